"""What domain blocks do to what is already stored.

Suspending domains (``suspend_blocks``): their accounts are marked suspended (their ids
kept on each block, so lifting it unsuspends those and no others), every follow between
them and anyone here ends both ways (through ``remove_follows``, the follow life cycle's
writer; follower counts are counted from follows, so they drop with them), their posts
are deleted with the notifications they caused, their cached media files are removed,
and deliveries still queued for them are failed. What was removed stays removed when a
block is lifted (``lift_suspension``): federation resumes from then on.

``reject_media`` (``forget_media``) removes the cached files of the domains' media and
turns their attachments into links to the original (``media.remote.LINKED``).

Which stored hosts a block covers is asked of a ``DomainPolicy`` holding just these
blocks, over the distinct hosts stored (a few hundred on most instances), so a whole
imported list costs a handful of queries, not a few per domain.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from typing import TYPE_CHECKING

from tortoise.expressions import Q

from fediserver.models import Account, Delivery, DeliveryState, DomainBlock, Follow, MediaAttachment, Notification, Post
from fediserver.models.social import remove_follows
from fediserver.moderation.domain_blocks import DomainPolicy, DomainRule

if TYPE_CHECKING:
    from media.remote import RemoteMedia

log = logging.getLogger(__name__)
CHUNK = 500


def _policy_of(blocks: list[DomainBlock]) -> DomainPolicy:
    policy = DomainPolicy()
    policy.load(DomainRule(b.domain, b.severity, b.reject_media, b.reject_reports) for b in blocks)
    return policy


async def _covered_accounts(blocks: list[DomainBlock]) -> dict[str, list[tuple[int, bool]]]:
    """Block domain -> (account id, already suspended) of the remote accounts it covers."""
    policy = _policy_of(blocks)
    hosts = await Account.exclude(domain="").distinct().values_list("domain", flat=True)
    covering = {host: rule.domain for host in hosts if (rule := policy.rule_for(host)) is not None}
    found: dict[str, list[tuple[int, bool]]] = defaultdict(list)
    if covering:
        for pk, host, suspended in await Account.filter(domain__in=list(covering)).values_list(
                "id", "domain", "suspended"):
            found[covering[host]].append((pk, bool(suspended)))
    return found


async def suspend_blocks(blocks: list[DomainBlock], *, remote_media: RemoteMedia | None = None) -> None:
    if not blocks:
        return
    by_domain = {block.domain: block for block in blocks}
    covered = await _covered_accounts(blocks)
    ids = [pk for accounts in covered.values() for pk, _suspended in accounts]
    for domain, accounts in covered.items():
        newly = [pk for pk, suspended in accounts if not suspended]
        if newly:
            block = by_domain[domain]
            block.suspended_account_ids = sorted({*block.suspended_account_ids, *newly})
            await block.save(update_fields=["suspended_account_ids", "updated_at"])
    follows = posts = 0
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start:start + CHUNK]
        await Account.filter(id__in=chunk, suspended=False).update(suspended=True)
        follows += await remove_follows(Follow.filter(Q(follower_id__in=chunk) | Q(target_id__in=chunk)))
        await Notification.filter(from_account_id__in=chunk).delete()
        await _remove_media(MediaAttachment.filter(account_id__in=chunk), remote_media)
        posts += await Post.filter(account_id__in=chunk).delete()
    if ids:
        log.info("suspended %s: %d account(s), %d follow(s) ended, %d post(s) removed",
                 ", ".join(sorted(covered)[:5]) + (" ..." if len(covered) > 5 else ""), len(ids), follows, posts)
    policy = _policy_of(blocks)
    queued_hosts = await Delivery.filter(state=DeliveryState.QUEUED).distinct().values_list("domain", flat=True)
    refused = [host for host in queued_hosts if policy.suspends(host)]
    if refused:
        failed = await Delivery.filter(domain__in=refused, state=DeliveryState.QUEUED).update(
            state=DeliveryState.FAILED, last_error="the domain is suspended by a domain block", claimed_until=None)
        log.info("%d queued deliveries to %s failed: suspended by a domain block", failed, ", ".join(refused[:5]))


async def lift_suspension(block: DomainBlock) -> None:
    if block.suspended_account_ids:
        await Account.filter(id__in=block.suspended_account_ids).update(suspended=False)


async def forget_media(blocks: list[DomainBlock], *, remote_media: RemoteMedia | None = None) -> None:
    """The domains' media is rejected: cached files go, attachments become links."""
    from media.remote import LINKED

    for domain, accounts in (await _covered_accounts(blocks)).items():
        ids = [pk for pk, _suspended in accounts]
        for start in range(0, len(ids), CHUNK):
            rows = MediaAttachment.filter(account_id__in=ids[start:start + CHUNK], remote_url__isnull=False)
            if remote_media is not None:
                for row in await rows.filter(remote_state="cached"):
                    await remote_media.evict(row)
            await rows.update(remote_state=LINKED, refused_reason=f"media from {domain} is rejected by a domain block")


async def _remove_media(rows, remote_media: RemoteMedia | None) -> None:
    if remote_media is not None:
        for row in await rows.filter(remote_state="cached"):
            await remote_media.evict(row)
    await rows.delete()
