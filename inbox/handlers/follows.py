"""Follows: a remote actor follows one of ours (Follow), and answers to ours (Accept, Reject).

A follow of a local account is accepted at once, with an ``Accept`` queued for the
follower's inbox, unless the account approves followers by hand: then it waits as a
follow request until ``outbox.relations.authorize_follow`` or ``reject_follow``. A
follower the account blocks gets a ``Reject``; a silenced (limited) follower it does
not follow asks, as to an account that approves by hand; one it rejected may ask again. An Accept
or Reject moves our follow as its life cycle allows (a Reject also ends an accepted one).
"""

from __future__ import annotations

from federation.vocab import Activity
from fediserver.models import Block, Follow, FollowState, NotificationKind
from fediserver.models.accounts import LOCAL_DOMAIN
from fediserver.models.interactions import notify
from fediserver.models.social import IllegalFollowMove, move_follow, start_follow
from fediserver.moderation.domain_blocks import domain_policy
from inbox.handlers.base import Ignored, Inbound, find_account, require_activity_id, require_object_id
from outbox.builders import accept_follow, follow_reference, reject_follow
from outbox.publish import publish
from outbox.recipients import personal_inbox


async def handle_follow(inbound: Inbound) -> None:
    follow_id = require_activity_id(inbound)
    sender = inbound.sender
    target = await find_account(require_object_id(inbound))
    if target is None or not target.is_local:
        raise Ignored(f"{inbound.activity.object_id} is not one of our accounts")
    if target.suspended:
        raise Ignored(f"{target.acct} is suspended")
    document = follow_reference(follow_id, sender.uri, target.uri)
    if await Block.exists(account=target, target=sender):
        await publish(reject_follow(target, document), actor=target, inboxes=personal_inbox(sender))
        return
    existing = await Follow.get_or_none(follower=sender, target=target)
    if existing is not None and existing.state == FollowState.REJECTED:
        await move_follow(existing, FollowState.REMOVED)  # turned away before, asking again
        existing = None
    if existing is not None:
        # A repeated follow (the first Accept may have been lost): answer again, notify once.
        existing.uri = follow_id
        await existing.save()
        if existing.state == FollowState.ACCEPTED:
            await publish(accept_follow(target, document), actor=target, inboxes=personal_inbox(sender))
        return
    # A server limited by a domain block, or a silenced account, asks; it never follows at once.
    if (target.manually_approves_followers or domain_policy().silences(sender.domain)
            or await _silenced_stranger(sender, target)):
        await start_follow(sender.pk, target.pk, FollowState.PENDING, uri=follow_id)
        await notify(target, sender, NotificationKind.FOLLOW_REQUEST)
        return
    await start_follow(sender.pk, target.pk, FollowState.ACCEPTED, uri=follow_id)
    await publish(accept_follow(target, document), actor=target, inboxes=personal_inbox(sender))
    await notify(target, sender, NotificationKind.FOLLOW)


async def _silenced_stranger(sender, target) -> bool:
    """A silenced (limited) account asks to follow: a request, unless it is followed already."""
    return sender.silenced and not await Follow.accepted().filter(follower_id=target.pk, target_id=sender.pk).exists()


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
    await _answered(inbound, FollowState.ACCEPTED)


async def handle_reject(inbound: Inbound) -> None:
    await _answered(inbound, FollowState.REJECTED)


async def _answered(inbound: Inbound, to: FollowState) -> None:
    follow = await _our_follow_answered(inbound)
    try:
        await move_follow(follow, to)
    except IllegalFollowMove as error:
        raise Ignored(f"{inbound.activity.type} of {follow.uri}: {error}") from None
