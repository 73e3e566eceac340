"""What a domain block does to what is already stored.

Suspending a domain (``suspend_domain``): its accounts are marked suspended (their ids
kept on the block, so lifting it unsuspends those and no others), every follow between
them and anyone here ends both ways (through ``remove_follows``, the follow life cycle's
writer; follower counts are counted from follows, so they drop with them), their posts
are deleted with the notifications they caused, their cached media files are removed,
and deliveries still queued for the domain are failed. What was removed stays removed
when the block is lifted (``lift_suspension``): federation resumes from then on.

``reject_media`` removes the cached files of the domain's media and turns its
attachments into links to the original (``media.remote.LINKED``).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from tortoise.expressions import Q

from fediserver.models import Account, Delivery, DeliveryState, DomainBlock, Follow, MediaAttachment, Notification, Post
from fediserver.models.social import remove_follows
from fediserver.moderation.domain_blocks import on_domain

if TYPE_CHECKING:
    from media.remote import RemoteMedia

log = logging.getLogger(__name__)


async def suspend_domain(block: DomainBlock, *, remote_media: RemoteMedia | None = None) -> None:
    domain = block.domain
    accounts = Account.filter(on_domain(domain)).exclude(domain="")
    newly = await accounts.filter(suspended=False).values_list("id", flat=True)
    ids = await accounts.values_list("id", flat=True)
    if newly:
        await Account.filter(id__in=newly).update(suspended=True)
        block.suspended_account_ids = sorted({*block.suspended_account_ids, *newly})
        await block.save(update_fields=["suspended_account_ids", "updated_at"])
    if ids:
        follows = await remove_follows(Follow.filter(Q(follower_id__in=ids) | Q(target_id__in=ids)))
        await Notification.filter(from_account_id__in=ids).delete()
        await _remove_media(MediaAttachment.filter(account_id__in=ids), remote_media)
        posts = await Post.filter(account_id__in=ids).delete()
        log.info("suspended %s: %d account(s), %d follow(s) ended, %d post(s) removed",
                 domain, len(ids), follows, posts)
    failed = await Delivery.filter(on_domain(domain), state=DeliveryState.QUEUED).update(
        state=DeliveryState.FAILED, last_error=f"{domain} is suspended by a domain block", claimed_until=None
    )
    if failed:
        log.info("%d queued deliveries to %s failed: the domain is suspended", failed, domain)


async def lift_suspension(block: DomainBlock) -> None:
    if block.suspended_account_ids:
        await Account.filter(id__in=block.suspended_account_ids).update(suspended=False)


async def forget_media(domain: str, *, remote_media: RemoteMedia | None = None) -> None:
    """The domain's media is rejected: cached files go, attachments become links."""
    from media.remote import LINKED

    ids = await Account.filter(on_domain(domain)).exclude(domain="").values_list("id", flat=True)
    if not ids:
        return
    rows = MediaAttachment.filter(account_id__in=ids, remote_url__isnull=False)
    if remote_media is not None:
        for row in await rows.filter(remote_state="cached"):
            await remote_media.evict(row)
    await rows.update(remote_state=LINKED, refused_reason=f"media from {domain} is rejected by a domain block")


async def _remove_media(rows, remote_media: RemoteMedia | None) -> None:
    if remote_media is not None:
        for row in await rows.filter(remote_state="cached"):
            await remote_media.evict(row)
    await rows.delete()
