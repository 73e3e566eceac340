"""Reports: what a local person files, what another server forwards, what admins do.

A report names an account and, optionally, some of its posts, with a comment, a category
(spam, legal, violation of the instance's rules, other) and the rules it cites. The
reported posts are kept as they were (``snapshot_posts``). Filed here against an account
of another server with ``forward``, it also goes to that server as a ``Flag`` from the
instance actor, as Mastodon sends one, through the delivery queue (``outbox.publish``).
A ``Flag`` received from another server becomes a report too
(``inbox.handlers.moderation``).

The life of a report, declared as data in ``REPORT_MOVES``: it is ``open`` until an admin
resolves it, and a resolved report may be reopened. Assigning it to an admin (or taking
it back) changes who handles it, not its state. Every admin step is written to the audit
log (``fediserver.moderation.audit``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from enum import StrEnum

from tortoise.transactions import in_transaction

from fediserver.clock import utcnow
from fediserver.config import InstanceRule
from fediserver.instance_actor import ensure_instance_actor
from fediserver.models import Account, Report, ReportCategory
from fediserver.models.interactions import NotificationKind, notify_admins, snapshot_posts
from fediserver.moderation.audit import Admin, record
from fediserver.urls import InstanceUrls
from fediserver.visibility import visible_posts
from outbox import builders
from outbox.publish import publish
from outbox.recipients import personal_inbox

MAX_COMMENT = 1000
MAX_STATUSES = 100


class ReportState(StrEnum):
    OPEN = "open"
    RESOLVED = "resolved"


REPORT_MOVES: dict[ReportState, frozenset[ReportState]] = {
    ReportState.OPEN: frozenset({ReportState.RESOLVED}),
    ReportState.RESOLVED: frozenset({ReportState.OPEN}),
}


class ReportError(ValueError):
    """A report that cannot be filed or a step it cannot take, phrased for the person asking."""


def state_of(report: Report) -> ReportState:
    return ReportState.OPEN if report.resolved_at is None else ReportState.RESOLVED


def _check_move(report: Report, to: ReportState) -> bool:
    """False when the report is already there; ReportError when the step is not declared."""
    now = state_of(report)
    if now == to:
        return False
    if to not in REPORT_MOVES[now]:
        raise ReportError(f"a {now} report cannot become {to}")
    return True


def parse_category(value: str | None, rule_ids: Sequence[str]) -> ReportCategory:
    """The category a client sent; none given: ``violation`` when rules are cited, else ``other``."""
    if not value:
        return ReportCategory.VIOLATION if rule_ids else ReportCategory.OTHER
    try:
        return ReportCategory(value)
    except ValueError:
        names = ", ".join(category.value for category in ReportCategory)
        raise ReportError(f"category must be one of {names}, not {value!r}") from None


def check_rules(rule_ids: Iterable[str], rules: Sequence[InstanceRule]) -> list[str]:
    known = {rule.id for rule in rules}
    cited = list(dict.fromkeys(str(rule_id) for rule_id in rule_ids))
    unknown = [rule_id for rule_id in cited if rule_id not in known]
    if unknown:
        raise ReportError(f"no rule with the id {', '.join(unknown)} (GET /api/v1/instance/rules lists them)")
    return cited


async def file_report(
    reporter: Account,
    target: Account,
    *,
    urls: InstanceUrls,
    rules: Sequence[InstanceRule] = (),
    status_ids: Sequence[int] = (),
    comment: str = "",
    category: str | None = None,
    rule_ids: Sequence[str] = (),
    forward: bool = False,
    instance_name: str = "",
) -> Report:
    """``reporter`` (a local account) reports ``target`` and some of its posts."""
    if target.pk == reporter.pk:
        raise ReportError("you cannot report yourself")
    if len(comment) > MAX_COMMENT:
        raise ReportError(f"the comment is {len(comment)} characters long; the limit is {MAX_COMMENT}")
    if len(status_ids) > MAX_STATUSES:
        raise ReportError(f"a report names at most {MAX_STATUSES} posts")
    cited = check_rules(rule_ids, rules)
    kind = parse_category(category, cited)
    if kind != ReportCategory.VIOLATION:
        cited = []  # rules are cited only by a report of a rule violation, as Mastodon keeps them
    wanted = list(dict.fromkeys(status_ids))
    posts = await visible_posts(reporter).filter(
        id__in=wanted, account_id=target.pk, boost_of_id__isnull=True
    ).order_by("id") if wanted else []
    missing = sorted(set(wanted) - {post.pk for post in posts})
    if missing:
        raise ReportError(f"no post {', '.join(map(str, missing))} of @{target.acct} that you can see")
    forwarded = forward and not target.is_local
    async with in_transaction():
        report = await Report.create(
            reporter=reporter, target=target, post_uris=[post.uri for post in posts], comment=comment,
            category=kind, rule_ids=cited, statuses=await snapshot_posts(posts), forwarded=forwarded,
        )
        if forwarded:
            await _forward(report, target, urls, instance_name)
        await notify_admins(reporter, NotificationKind.ADMIN_REPORT, report=report, leaving_out=target)
    return report


async def _forward(report: Report, target: Account, urls: InstanceUrls, instance_name: str) -> None:
    """Send the report to the target's server as the instance actor's ``Flag``: the other
    server learns what was reported, never who reported it."""
    actor = await ensure_instance_actor(urls, instance_name=instance_name)
    activity = builders.flag(actor, target, list(report.post_uris), report.comment)
    await publish(activity, actor=actor, inboxes=personal_inbox(target))
    report.uri = activity["id"]
    await report.save(update_fields=["uri"])


def _label(report: Report, target: Account | None = None) -> str:
    return f"report #{report.pk}" + (f" on @{target.acct}" if target is not None else "")


async def assign(report: Report, admin: Admin, to: Account | None) -> Report:
    """Give ``report`` to the admin ``to`` (None: to no one)."""
    if report.assigned_to_id == (to.pk if to else None):
        return report
    report.assigned_to = to
    await report.save(update_fields=["assigned_to_id"])
    await record(admin, "report.assign" if to else "report.unassign", target_type="report", target_id=report.pk,
                 target_label=_label(report), detail=f"to @{to.acct}" if to else "")
    return report


async def resolve(report: Report, admin: Admin, *, action_taken: str | None = None, note: str = "") -> Report:
    """Close ``report``, noting what was done (``suspend``, ``silence``... or nothing)."""
    if not _check_move(report, ReportState.RESOLVED):
        return report
    report.resolved_at = utcnow()
    report.resolved_by = admin.account
    report.action_taken = action_taken
    await report.save(update_fields=["resolved_at", "resolved_by_id", "action_taken"])
    await record(admin, "report.resolve", target_type="report", target_id=report.pk, target_label=_label(report),
                 detail="; ".join(part for part in (f"action: {action_taken}" if action_taken else "", note) if part))
    return report


async def reopen(report: Report, admin: Admin) -> Report:
    if not _check_move(report, ReportState.OPEN):
        return report
    report.resolved_at = None
    report.resolved_by = None
    report.action_taken = None
    await report.save(update_fields=["resolved_at", "resolved_by_id", "action_taken"])
    await record(admin, "report.reopen", target_type="report", target_id=report.pk, target_label=_label(report))
    return report


def reports(*, state: ReportState | None = None, target: Account | None = None, reporter: Account | None = None):
    """Reports, optionally narrowed (newest first when paged)."""
    query = Report.all()
    if state == ReportState.OPEN:
        query = query.filter(resolved_at__isnull=True)
    elif state == ReportState.RESOLVED:
        query = query.filter(resolved_at__isnull=False)
    if target is not None:
        query = query.filter(target_id=target.pk)
    if reporter is not None:
        query = query.filter(reporter_id=reporter.pk)
    return query
