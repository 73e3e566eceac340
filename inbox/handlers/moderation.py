"""Moderation between servers: a remote Block of one of ours, and Flag (a report).

A Block ends follows both ways. A Flag becomes a ``Report`` against the local account it
names (or the author of the posts it names) for the moderators, with the named posts
kept as they were when it arrived; it may cite posts we do not store (only their ids).
Reports from a server whose reports a domain block rejects (``reject_reports``) are dropped.
"""

from __future__ import annotations

from fediserver.models import Account, Block, Follow, Post, Report
from fediserver.models.interactions import NotificationKind, notify_admins, snapshot_posts
from fediserver.moderation.domain_blocks import domain_policy
from fediserver.models.social import remove_follows
from inbox.handlers.base import Ignored, Inbound, find_account, require_object_id


async def handle_block(inbound: Inbound) -> None:
    sender = inbound.sender
    target = await find_account(require_object_id(inbound))
    if target is None or not target.is_local:
        raise Ignored(f"{inbound.activity.object_id} is not one of our accounts")
    await Block.get_or_create(account=sender, target=target, defaults={"uri": inbound.activity.id})
    await remove_follows(Follow.between(sender.pk, target.pk))


async def handle_flag(inbound: Inbound) -> None:
    activity = inbound.activity
    if domain_policy().rejects_reports(inbound.sender.domain):
        raise Ignored(f"reports from {inbound.sender.domain} are rejected by a domain block")
    if activity.id and await Report.exists(uri=activity.id):
        raise Ignored(f"report {activity.id} is already stored")
    accounts = await Account.filter(uri__in=activity.object_ids).all()
    post_uris = [uri for uri in activity.object_ids if uri not in {a.uri for a in accounts}]
    target = next((a for a in accounts if a.is_local), accounts[0] if accounts else None)
    if target is None and post_uris:
        post = await Post.filter(uri__in=post_uris).first()
        target = await Account.get(id=post.account_id) if post else None
    if target is None:
        raise Ignored("the report names no account or post known here")
    posts = await Post.filter(uri__in=post_uris, account_id=target.pk).order_by("id") if post_uris else []
    report = await Report.create(
        reporter=inbound.sender,
        target=target,
        post_uris=post_uris,
        statuses=await snapshot_posts(posts),
        comment=inbound.text_field("content", "summary") or "",
        uri=activity.id,
    )
    await notify_admins(inbound.sender, NotificationKind.ADMIN_REPORT, report=report, leaving_out=target)
