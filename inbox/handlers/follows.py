"""Follows: a remote actor follows one of ours (Follow), and answers to ours (Accept, Reject).

A follow of a local account is accepted at once, with an ``Accept`` queued for the
follower's inbox, unless the account approves followers by hand: then it waits as a
follow request. A follower the account blocks gets a ``Reject``.
"""

from __future__ import annotations

from typing import Any

from federation.vocab import Activity
from fediserver.models import Account, Block, Follow, FollowState, NotificationKind
from fediserver.models.accounts import LOCAL_DOMAIN
from fediserver.models.interactions import notify
from inbox.handlers.base import Ignored, Inbound, find_account, require_activity_id, require_object_id
from outbox.builders import accept_follow, reject_follow
from outbox.publish import publish
from outbox.recipients import personal_inbox


def _follow_document(follow_id: str, follower: Account, target: Account) -> dict[str, Any]:
    return {"id": follow_id, "type": "Follow", "actor": follower.uri, "object": target.uri}


async def handle_follow(inbound: Inbound) -> None:
    follow_id = require_activity_id(inbound)
    sender = inbound.sender
    target = await find_account(require_object_id(inbound))
    if target is None or not target.is_local:
        raise Ignored(f"{inbound.activity.object_id} is not one of our accounts")
    if target.suspended:
        raise Ignored(f"{target.acct} is suspended")
    document = _follow_document(follow_id, sender, target)
    if await Block.exists(account=target, target=sender):
        await publish(reject_follow(target, document), actor=target, inboxes=personal_inbox(sender))
        return
    existing = await Follow.get_or_none(follower=sender, target=target)
    if existing is not None:
        # A repeated follow (the first Accept may have been lost): answer again, notify once.
        existing.uri = follow_id
        await existing.save()
        if existing.state == FollowState.ACCEPTED:
            await publish(accept_follow(target, document), actor=target, inboxes=personal_inbox(sender))
        return
    if target.manually_approves_followers:
        await Follow.create(follower=sender, target=target, uri=follow_id, state=FollowState.PENDING)
        await notify(target.id, sender, NotificationKind.FOLLOW_REQUEST)
        return
    await Follow.create(follower=sender, target=target, uri=follow_id, state=FollowState.ACCEPTED)
    await publish(accept_follow(target, document), actor=target, inboxes=personal_inbox(sender))
    await notify(target.id, sender, NotificationKind.FOLLOW)


async def _our_follow_answered(inbound: Inbound) -> Follow:
    """Our follow of the sender that this Accept or Reject answers: by id, else by actor+object."""
    activity = inbound.activity
    local_follows = Follow.filter(target_id=inbound.sender.id, follower__domain=LOCAL_DOMAIN)
    embedded = activity.object
    if isinstance(embedded, Activity) and embedded.type != "Follow":
        raise Ignored(f"{activity.type} of a {embedded.type}, not of a follow")
    if activity.object_id:
        follow = await local_follows.filter(uri=activity.object_id).first()
        if follow is not None:
            return follow
    if isinstance(embedded, Activity) and embedded.object_id == inbound.sender.uri:
        follow = await local_follows.filter(follower__uri=embedded.actor).first()
        if follow is not None:
            return follow
    raise Ignored(f"no follow of ours matches {activity.object_id}")


async def handle_accept(inbound: Inbound) -> None:
    follow = await _our_follow_answered(inbound)
    follow.state = FollowState.ACCEPTED
    await follow.save()


async def handle_reject(inbound: Inbound) -> None:
    follow = await _our_follow_answered(inbound)
    follow.state = FollowState.REJECTED
    await follow.save()
