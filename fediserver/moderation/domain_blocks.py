"""Domain blocks: the one door every path asks about another server, and its writers.

``DomainPolicy`` keeps the blocks and allows in memory, as dictionaries keyed by domain.
A question about a host (``suspends``, ``silences``, ``rejects_media``,
``rejects_reports``) looks the host up, then each parent domain (``a.b.example``,
``b.example``, ``example``), so a block covers its subdomains, at the cost of a few
dictionary lookups whatever the number of blocks. In allowlist mode
(``moderation.federation_mode = "allowlist"``) a host federates only when it or a parent
is allowed, and a block still overrides an allow. This instance's own domain is never
refused.

Every process holds one policy (``domain_policy()``), built by ``build_services``. A
change made here bumps the ``DomainPolicyVersion`` row and reloads at once; other
processes see it within ``moderation.reload_seconds``: ``keep_current()``, a task each
web and worker process runs, reads the version row that often and reloads only when it
moved, so no request or job waits for it.

Who asks: the inbox endpoint (403 before any key fetch), the outbound HTTP client's host
gate (``refusal``: keys, actors, objects, WebFinger, deliveries; ``media_refusal`` for
the media client), the delivery queue's door (``outbox.publish``), the follow and
Flag handlers, notifications, and ``fediserver.visibility.publicly_listed`` (public and
hashtag timelines, search).

The writers (``block_domain``, ``unblock_domain``, ``allow_domain``, ``disallow_domain``)
are the only way blocks change, whoever asks (CLI, API, admin page, config, import); each
applies what the block does to what is stored (``domain_effects``) and calls
``record_domain_action``.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tortoise.expressions import F, Q

from fediserver.models import Account, DomainAllow, DomainBlock, DomainPolicyVersion
from fediserver.models.domain_blocks import BlockSource, Severity

if TYPE_CHECKING:
    from media.remote import RemoteMedia

log = logging.getLogger(__name__)

# Severities from the most lenient to the strictest (duplicates in an import keep the first).
LENIENCY = (Severity.NOOP, Severity.SILENCE, Severity.SUSPEND)


class DomainError(ValueError):
    """A domain block or allow that cannot be made, with the reason for the admin."""


def normalise_domain(text: str) -> str:
    """``text`` as a lower-case host name (IDNA, no trailing dot), or ``DomainError``.

    A URL or a ``host:port`` is reduced to its host; a leading ``*.`` is dropped (a block
    covers subdomains anyway)."""
    value = str(text).strip().lower()
    if "://" in value:
        value = value.split("://", 1)[1]
    value = value.split("/", 1)[0].split("?", 1)[0]
    if value.count(":") == 1:
        value = value.split(":", 1)[0]
    value = value.removeprefix("*.").rstrip(".")
    if not value:
        raise DomainError("no domain given")
    try:
        value = value.encode("idna").decode("ascii")
    except UnicodeError:
        raise DomainError(f"{text!r} is not a domain name") from None
    labels = value.split(".")
    if len(value) > 253 or any(not label or len(label) > 63 for label in labels):
        raise DomainError(f"{text!r} is not a domain name")
    if any(not (ch.isalnum() or ch in "-_") for label in labels for ch in label):
        raise DomainError(f"{text!r} is not a domain name")
    return value


def host_without_port(host: str) -> str:
    host = host.lower()
    if host.startswith("["):
        return host.split("]", 1)[0] + "]"
    return host.split(":", 1)[0] if ":" in host else host


def on_domain(domain: str, field: str = "domain") -> Q:
    """Rows whose host ``field`` (which may carry a port) is ``domain`` or a subdomain of it."""
    return (
        Q(**{field: domain})
        | Q(**{f"{field}__startswith": f"{domain}:"})
        | Q(**{f"{field}__endswith": f".{domain}"})
        | Q(**{f"{field}__contains": f".{domain}:"})
    )


@dataclass(frozen=True)
class DomainRule:
    domain: str
    severity: Severity
    reject_media: bool
    reject_reports: bool


class DomainPolicy:
    """The blocks and allows of this process, asked by host (with or without port)."""

    def __init__(self, own_domain: str = "", *, allowlist: bool = False, reload_seconds: float = 5.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.own_domain = host_without_port(own_domain) if own_domain else ""
        self.allowlist = allowlist
        self.reload_seconds = reload_seconds
        self._clock = clock
        self._rules: dict[str, DomainRule] = {}
        self._allowed: frozenset[str] = frozenset()
        self._version: int | None = None
        self._checked_at = float("-inf")
        self.limited_domains: tuple[str, ...] = ()
        # Removes the cached files of a blocked domain's media (``build_services`` sets it).
        self.remote_media: RemoteMedia | None = None

    # -- the questions -------------------------------------------------------------------

    def rule_for(self, host: str) -> DomainRule | None:
        """The block covering ``host`` (the most specific one), or None."""
        if not self._rules:
            return None
        name = host.lower()
        if ":" in name:
            name = host_without_port(name)
        rules = self._rules
        while True:
            rule = rules.get(name)
            if rule is not None:
                return rule
            dot = name.find(".")
            if dot < 0:
                return None
            name = name[dot + 1:]

    def allowed(self, host: str) -> bool:
        """In allowlist mode: whether ``host`` or a parent is allowed (always, otherwise)."""
        if not self.allowlist:
            return True
        name = host_without_port(host)
        if not name or name == self.own_domain:
            return True
        while True:
            if name in self._allowed:
                return True
            dot = name.find(".")
            if dot < 0:
                return False
            name = name[dot + 1:]

    def suspends(self, host: str) -> bool:
        """Nothing from ``host`` is accepted and nothing goes to it."""
        rule = self.rule_for(host)
        if rule is not None and rule.severity == Severity.SUSPEND:
            return True
        return self.allowlist and not self.allowed(host)

    def silences(self, host: str) -> bool:
        rule = self.rule_for(host)
        return rule is not None and rule.severity == Severity.SILENCE

    def rejects_media(self, host: str) -> bool:
        rule = self.rule_for(host)
        return rule is not None and (rule.reject_media or rule.severity == Severity.SUSPEND)

    def rejects_reports(self, host: str) -> bool:
        rule = self.rule_for(host)
        return rule is not None and (rule.reject_reports or rule.severity == Severity.SUSPEND)

    def refusal(self, host: str) -> str | None:
        """Why no request may go to ``host``, or None (the outbound client's host gate)."""
        rule = self.rule_for(host)
        if rule is not None and rule.severity == Severity.SUSPEND:
            return f"{rule.domain} is suspended by a domain block"
        if self.allowlist and not self.allowed(host):
            return f"{host_without_port(host)} is not on this instance's allowlist"
        return None

    def media_refusal(self, host: str) -> str | None:
        """Why no media may be fetched from ``host``, or None (the media client's gate)."""
        refused = self.refusal(host)
        if refused is None and self.rejects_media(host):
            return f"media from {self.rule_for(host).domain} is rejected by a domain block"
        return refused

    # -- keeping in step with the database -------------------------------------------------

    def load(self, rules: Iterable[DomainRule], allowed: Iterable[str] = ()) -> None:
        self._rules = {rule.domain: rule for rule in rules}
        self._allowed = frozenset(allowed)
        self.limited_domains = tuple(
            sorted(rule.domain for rule in self._rules.values() if rule.severity == Severity.SILENCE)
        )

    async def reload(self) -> None:
        """Read every block and allow (and the version they belong to)."""
        version = await _current_version()
        rows = await DomainBlock.all().values_list("domain", "severity", "reject_media", "reject_reports")
        allowed = await DomainAllow.all().values_list("domain", flat=True)
        self.load((DomainRule(domain, Severity(severity), bool(media), bool(reports))
                   for domain, severity, media, reports in rows), allowed)
        self._version = version
        self._checked_at = self._clock()

    async def refresh(self) -> None:
        """Reload when another process changed the blocks; reads one row at most every
        ``reload_seconds`` (always on the first call)."""
        now = self._clock()
        if self._version is not None and now - self._checked_at < self.reload_seconds:
            return
        self._checked_at = now
        try:
            version = await _current_version()
        except Exception:  # no database open (yet): keep what is loaded
            log.debug("domain policy not refreshed: the database is not open", exc_info=True)
            return
        if version != self._version:
            await self.reload()

    async def keep_current(self) -> None:
        """Run for the life of a process: ``refresh`` every ``reload_seconds``, so no request
        or job waits for the version row (``run`` and ``worker`` start it)."""
        while True:
            await self.refresh()
            await asyncio.sleep(max(self.reload_seconds, 0.1))

    async def changed(self) -> None:
        """After a change here: bump the version for the other processes, reload now."""
        updated = await DomainPolicyVersion.filter(id=1).update(version=F("version") + 1)
        if not updated:
            await DomainPolicyVersion.bulk_create([DomainPolicyVersion(id=1, version=1)], ignore_conflicts=True)
        await self.reload()


async def _current_version() -> int:
    row = await DomainPolicyVersion.filter(id=1).values_list("version", flat=True)
    return int(row[0]) if row else 0


_POLICY = DomainPolicy()


def domain_policy() -> DomainPolicy:
    """The policy of this process (installed by ``build_services``; empty before)."""
    return _POLICY


def install_domain_policy(policy: DomainPolicy) -> DomainPolicy:
    global _POLICY
    _POLICY = policy
    return policy


# -- the writers -----------------------------------------------------------------------------

BLOCK_FIELDS = ("severity", "reject_media", "reject_reports", "private_comment", "public_comment", "obfuscate")


def _check_not_own(domain: str, policy: DomainPolicy) -> None:
    own = policy.own_domain
    if own and (own == domain or own.endswith("." + domain)):
        raise DomainError(f"{domain} is this instance's own domain; it cannot be blocked")


async def block_domain(domain: str, *, severity: Severity | str = Severity.SUSPEND, reject_media: bool = False,
                       reject_reports: bool = False, private_comment: str = "", public_comment: str = "",
                       obfuscate: bool = False, source: BlockSource = BlockSource.ADMIN,
                       by: Account | None = None, remote_media: RemoteMedia | None = None,
                       policy: DomainPolicy | None = None) -> DomainBlock:
    """Create or change the block of ``domain`` and apply it to what is stored."""
    policy = policy or domain_policy()
    remote_media = remote_media or policy.remote_media
    name = normalise_domain(domain)
    _check_not_own(name, policy)
    try:
        severity = Severity(severity)
    except ValueError:
        raise DomainError(f"severity must be suspend, silence or noop, not {severity!r}") from None
    values = dict(severity=severity, reject_media=reject_media, reject_reports=reject_reports,
                  private_comment=private_comment or "", public_comment=public_comment or "", obfuscate=obfuscate)
    block = await DomainBlock.get_or_none(domain=name)
    created = block is None
    if block is None:
        block = await DomainBlock.create(domain=name, source=source, **values)
    else:
        for key, value in values.items():
            setattr(block, key, value)
        await block.save()
    await apply_block(block, remote_media=remote_media)
    await policy.changed()
    await record_domain_action(by, "create_domain_block" if created else "update_domain_block", name,
                               {key: str(value) for key, value in values.items() if key != "private_comment"})
    return block


async def apply_block(block: DomainBlock, *, remote_media: RemoteMedia | None = None) -> None:
    """What the block does to what is stored (suspension, media)."""
    await apply_blocks([block], remote_media=remote_media)


async def apply_blocks(blocks: list[DomainBlock], *, remote_media: RemoteMedia | None = None) -> None:
    from fediserver.moderation import domain_effects

    await domain_effects.suspend_blocks([b for b in blocks if b.severity == Severity.SUSPEND],
                                        remote_media=remote_media)
    await domain_effects.forget_media([b for b in blocks if b.severity != Severity.SUSPEND and b.reject_media],
                                      remote_media=remote_media)


async def unblock_domain(domain: str, *, by: Account | None = None, policy: DomainPolicy | None = None) -> bool:
    """Lift the block of ``domain``: federation resumes from now on (nothing removed
    comes back); False when there was none."""
    from fediserver.moderation import domain_effects

    policy = policy or domain_policy()
    name = normalise_domain(domain)
    block = await DomainBlock.get_or_none(domain=name)
    if block is None:
        return False
    await domain_effects.lift_suspension(block)
    await block.delete()
    await policy.changed()
    await record_domain_action(by, "destroy_domain_block", name, {})
    return True


async def allow_domain(domain: str, *, source: BlockSource = BlockSource.ADMIN, by: Account | None = None,
                       policy: DomainPolicy | None = None) -> DomainAllow:
    policy = policy or domain_policy()
    name = normalise_domain(domain)
    allow, created = await DomainAllow.get_or_create(domain=name, defaults={"source": source})
    if created:
        await policy.changed()
        await record_domain_action(by, "create_domain_allow", name, {})
    return allow


async def disallow_domain(domain: str, *, by: Account | None = None, policy: DomainPolicy | None = None) -> bool:
    policy = policy or domain_policy()
    name = normalise_domain(domain)
    removed = await DomainAllow.filter(domain=name).delete()
    if removed:
        await policy.changed()
        await record_domain_action(by, "destroy_domain_allow", name, {})
    return bool(removed)


async def record_domain_action(by: Account | None, action: str, domain: str, detail: dict[str, Any]) -> None:
    """Every change of a domain block or allow passes here: who (None for the command line
    and the config file), what (``create_domain_block``...), on which domain; written to
    the audit log as ``domain_block.create`` and its kin."""
    from fediserver.moderation.audit import Admin, record

    log.info("domain %s: %s by %s %s", domain, action, by.acct if by is not None else "the administrator", detail)
    verb, _, subject = action.partition("_")
    await record(Admin(by), f"{subject}.{verb}", target_type="domain", target_id=domain, target_label=domain,
                 detail=json.dumps(detail, sort_keys=True, default=str) if detail else "")


async def sync_config_blocks(settings: Any, *, remote_media: RemoteMedia | None = None,
                             policy: DomainPolicy | None = None) -> None:
    """Make the blocks and allows of ``[moderation]`` (inline and list files) those stored
    with the source ``config``: new ones applied, changed ones updated, removed ones lifted,
    in bulk (a list file may hold thousands). Blocks made by an admin are left alone (an
    admin's block of the same domain wins)."""
    from fediserver.moderation import domain_effects
    from fediserver.moderation.blocklists import ImportPlan, apply_import, read_config_lists

    policy = policy or domain_policy()
    remote_media = remote_media or policy.remote_media
    wanted = read_config_lists(settings)
    stored = {block.domain: block for block in await DomainBlock.filter(source=BlockSource.CONFIG)}
    admin_made = set(await DomainBlock.filter(source=BlockSource.ADMIN).values_list("domain", flat=True))
    plan = ImportPlan()
    for entry in wanted:
        if entry.domain in admin_made:
            continue
        block = stored.pop(entry.domain, None)
        if block is None:
            plan.added.append(entry)
        elif any(getattr(block, key) != value for key, value in entry.values().items()):
            plan.changed.append((block, entry))
    await apply_import(plan, source=BlockSource.CONFIG, source_name="the config file", remote_media=remote_media,
                       policy=policy)
    for block in stored.values():
        await domain_effects.lift_suspension(block)
        await record_domain_action(None, "destroy_domain_block", block.domain, {"source": "config"})
    if stored:
        await DomainBlock.filter(id__in=[block.pk for block in stored.values()]).delete()
    allowed = set(settings.moderation.allowed_domains)
    config_allows = set(await DomainAllow.filter(source=BlockSource.CONFIG).values_list("domain", flat=True))
    if allowed - config_allows:  # ignore_conflicts: an admin's allow, or another process starting
        await DomainAllow.bulk_create([DomainAllow(domain=domain, source=BlockSource.CONFIG)
                                       for domain in allowed - config_allows], ignore_conflicts=True)
    if config_allows - allowed:
        await DomainAllow.filter(domain__in=list(config_allows - allowed), source=BlockSource.CONFIG).delete()
    if stored or allowed != config_allows or plan.added or plan.changed:
        await policy.changed()
    else:
        await policy.reload()
