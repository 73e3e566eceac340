"""Moderation from the command line, as the admin API does it, each step written to the
audit log as done by the "command line":

- ``report list [--resolved|--all]``, ``report show ID``, ``report resolve ID``,
  ``report reopen ID``, ``report assign ID NAME`` (``--nobody`` to unassign);
- ``account suspend|unsuspend|silence|unsilence|sensitive|unsensitive NAME`` (a local
  name or ``name@host``, with ``--note``), ``account purge-suspended`` (deletes what
  accounts suspended more than 30 days ago left);
- ``audit [--limit N] [--action A]``: the audit log, newest first.
"""

from __future__ import annotations

import argparse
import json

from fediserver.cli.common import CommandError, command_group, settings_of, with_database

ACCOUNT_ACTIONS = {
    "suspend": "suspend an account (reversible for 30 days)",
    "unsuspend": "lift a suspension made less than 30 days ago",
    "silence": "keep an account out of public timelines and search; its follows become requests",
    "unsilence": "lift a silence",
    "sensitive": "put an account's media behind a sensitive-content warning",
    "unsensitive": "lift the sensitive mark",
}


def register(commands) -> None:
    actions = command_group(commands, "report", "handle reports", "report commands")
    listing = actions.add_parser("list", help="list open reports (newest first)")
    which = listing.add_mutually_exclusive_group()
    which.add_argument("--resolved", action="store_true", help="resolved reports instead")
    which.add_argument("--all", action="store_true", help="open and resolved reports")
    listing.set_defaults(handler=cmd_report_list)
    for name, text in (("show", "show a report with the posts as they were reported"),
                       ("resolve", "resolve a report"), ("reopen", "reopen a resolved report")):
        action = actions.add_parser(name, help=text)
        action.add_argument("id", type=int, help="the report's number")
        action.set_defaults(handler=cmd_report_step, step=name)
    assign = actions.add_parser("assign", help="give a report to an admin")
    assign.add_argument("id", type=int, help="the report's number")
    target = assign.add_mutually_exclusive_group(required=True)
    target.add_argument("name", nargs="?", help="the admin's local username")
    target.add_argument("--nobody", action="store_true", help="take the report back from whoever has it")
    assign.set_defaults(handler=cmd_report_step, step="assign")

    audit = commands.add_parser("audit", help="read the audit log of admin actions")
    audit.add_argument("--limit", type=int, default=50, help="how many entries (default 50)")
    audit.add_argument("--action", help='only this action, e.g. "account.suspend", or a prefix ending in "."')
    audit.set_defaults(handler=cmd_audit)


def register_account_actions(actions) -> None:
    """The moderation actions of ``fediserver account``."""
    for name, text in ACCOUNT_ACTIONS.items():
        action = actions.add_parser(name, help=text)
        action.add_argument("name", help="a local username, or name@host for an account of another server")
        action.add_argument("--note", default="", help="why, for the audit log")
        action.set_defaults(handler=cmd_account_action, action=name)
    purge = actions.add_parser("purge-suspended", help="delete the posts, media and follows of accounts "
                               "suspended more than 30 days ago")
    purge.set_defaults(handler=cmd_purge)


def _line(report) -> str:
    state = "resolved" if report.resolved_at else "open"
    who = f"@{report.reporter.acct}" if report.reporter else "-"
    assigned = f"@{report.assigned_to.acct}" if report.assigned_to else "-"
    return (f"#{report.pk}\t{state}\t{report.created_at:%Y-%m-%d %H:%M}\t{report.category.value}\t"
            f"@{report.target.acct}\tby {who}\tassigned {assigned}\t{len(report.statuses)} post(s)\t"
            f"{report.comment[:60]!r}")


def cmd_report_list(args: argparse.Namespace) -> int:
    from fediserver.moderation import reports

    async def work() -> None:
        state = None if args.all else reports.ReportState.RESOLVED if args.resolved else reports.ReportState.OPEN
        rows = await reports.reports(state=state).order_by("-id").select_related("reporter", "target", "assigned_to")
        if not rows:
            print("no reports" if state is None else f"no {state} reports")
        for report in rows:
            print(_line(report))

    with_database(settings_of(args), work)
    return 0


def _show(report) -> None:
    print(_line(report))
    if report.rule_ids:
        print(f"rules: {', '.join(report.rule_ids)}")
    if report.forwarded:
        print("forwarded to the account's server")
    if report.action_taken:
        print(f"action taken: {report.action_taken}")
    for status in report.statuses:
        print(f"- {status['url']} ({status.get('visibility')}, {status.get('created_at')})")
        print(f"  {status.get('content', '')}")
        for item in status.get("media", []):
            print(f"  media {item['id']}: {item.get('description') or '(no description)'}")
    kept = {status["uri"] for status in report.statuses}
    for uri in report.post_uris:
        if uri not in kept:
            print(f"- {uri} (not stored here)")


def cmd_report_step(args: argparse.Namespace) -> int:
    from fediserver.local_accounts import AccountError, get_local_account
    from fediserver.models import Report
    from fediserver.moderation import reports
    from fediserver.moderation.audit import COMMAND_LINE

    async def work() -> None:
        report = await Report.get_or_none(id=args.id) if 0 < args.id < 2**63 else None
        if report is None:
            raise CommandError(f"no report #{args.id}")
        try:
            if args.step == "resolve":
                await reports.resolve(report, COMMAND_LINE)
            elif args.step == "reopen":
                await reports.reopen(report, COMMAND_LINE)
            elif args.step == "assign":
                admin = None if args.nobody else await get_local_account(args.name)
                if admin is not None and not admin.is_admin:
                    raise CommandError(f"@{admin.username} is not an admin")
                await reports.assign(report, COMMAND_LINE, admin)
        except (reports.ReportError, AccountError) as refusal:
            raise CommandError(str(refusal)) from None
        await report.fetch_related("reporter", "target", "assigned_to")
        _show(report)

    with_database(settings_of(args), work)
    return 0


async def _account_named(name: str):
    from fediserver.models import Account
    from fediserver.models.accounts import LOCAL_DOMAIN

    username, _, domain = name.strip().lstrip("@").partition("@")
    account = await Account.get_or_none(username=username, domain=domain.lower() or LOCAL_DOMAIN)
    if account is None:
        raise CommandError(f"no account {name!r} is known here" + ("" if domain else " (name@host for another server's)"))
    return account


def cmd_account_action(args: argparse.Namespace) -> int:
    from fediserver.moderation import account_actions as actions
    from fediserver.moderation.audit import COMMAND_LINE
    from fediserver.urls import InstanceUrls

    settings = settings_of(args)
    urls = InstanceUrls(settings.instance.base_url)
    steps = {
        "suspend": lambda account: actions.suspend(COMMAND_LINE, account, urls=urls, note=args.note),
        "unsuspend": lambda account: actions.unsuspend(COMMAND_LINE, account, urls=urls, note=args.note),
        "silence": lambda account: actions.silence(COMMAND_LINE, account, note=args.note),
        "unsilence": lambda account: actions.unsilence(COMMAND_LINE, account, note=args.note),
        "sensitive": lambda account: actions.sensitize(COMMAND_LINE, account, note=args.note),
        "unsensitive": lambda account: actions.unsensitize(COMMAND_LINE, account, note=args.note),
    }

    async def work() -> None:
        account = await _account_named(args.name)
        try:
            changed = await steps[args.action](account)
        except actions.ActionRefused as refusal:
            raise CommandError(str(refusal)) from None
        print(f"{args.action}: @{account.acct}" + ("" if changed else " (nothing to change)"))
        if changed and args.action in ("suspend", "unsuspend") and account.is_local:
            print("its followers' servers are being told (`fediserver delivery status` shows the deliveries)")

    with_database(settings, work)
    return 0


def cmd_purge(args: argparse.Namespace) -> int:
    from fediserver.moderation.account_actions import purge_expired_suspensions
    from fediserver.moderation.audit import COMMAND_LINE

    from fediserver.services import build_services

    settings = settings_of(args)

    async def work() -> None:
        services = build_services(settings)
        try:
            purged = await purge_expired_suspensions(COMMAND_LINE, store=services.media.store)
        finally:
            await services.aclose()
        print(f"purged {len(purged)} account(s)" + "".join(f"\n@{account.acct}" for account in purged))

    with_database(settings, work)
    return 0


def cmd_audit(args: argparse.Namespace) -> int:
    from fediserver.moderation import audit

    async def work() -> None:
        rows = await audit.entries(action=args.action).order_by("-id").limit(max(1, args.limit))
        if not rows:
            print("the audit log is empty")
        for entry in rows:
            detail = f"\t{json.dumps(entry.detail)}" if entry.detail else ""
            print(f"{entry.created_at:%Y-%m-%d %H:%M:%S}\t{entry.actor_name}\t{entry.action}\t"
                  f"{entry.target_label or entry.target_type + ' ' + entry.target_id}{detail}")

    with_database(settings_of(args), work)
    return 0
