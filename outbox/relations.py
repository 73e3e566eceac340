"""Follows, favourites, boosts and blocks made by local accounts, and their undoing.

Each action changes the local rows and publishes the activity to the one inbox (or,
for boosts, the followers) that must hear of it, in one transaction. Doing what is
already done changes nothing and sends nothing; so does undoing what was never done.
A follow moves only as ``fediserver.models.social`` declares: a remote follow stays
pending until the remote server's Accept arrives, a local one is accepted at once unless
its target approves followers by hand; ``authorize_follow`` and ``reject_follow`` answer
a request (and publish the Accept or Reject to a remote follower).
"""

from __future__ import annotations

from typing import Any

from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from fediserver import event_bus
from fediserver.clock import utcnow
from fediserver.models import Account, Block, Favourite, Follow, FollowState, NotificationKind, Post, Visibility
from fediserver.models.interactions import notify
from fediserver.models.social import move_follow, remove_follows, start_follow
from outbox import builders
from outbox.errors import ActionError
from outbox.publish import publish
from outbox.recipients import boost_inboxes, personal_inbox


async def follow(account: Account, target: Account) -> Follow:
    """``account`` follows ``target``: a request when ``target`` approves followers by hand
    or lives on another server (until its Accept), else a follow at once."""
    _check_local(account)
    if target.pk == account.pk:
        raise ActionError("an account cannot follow itself")
    if await Block.filter(Q(account=account, target=target) | Q(account=target, target=account)).exists():
        raise ActionError(f"@{account.acct} and @{target.acct} block each other")
    existing = await Follow.get_or_none(follower=account, target=target)
    if existing is not None and existing.state != FollowState.REJECTED:
        return existing
    async with in_transaction():
        if existing is not None:
            await move_follow(existing, FollowState.REMOVED)  # asking again after a rejection
        if target.is_local:
            locked = target.manually_approves_followers or (
                account.silenced and not await Follow.accepted().filter(follower=target, target=account).exists()
            )
            record = await start_follow(account.pk, target.pk, FollowState.PENDING if locked else FollowState.ACCEPTED)
            await notify(target, account, NotificationKind.FOLLOW_REQUEST if locked else NotificationKind.FOLLOW)
            return record
        _check_reachable(target)
        activity = builders.follow(account, target.uri)
        record = await start_follow(account.pk, target.pk, FollowState.PENDING, uri=activity["id"])
        await publish(activity, actor=account, inboxes=personal_inbox(target))
    return record


async def unfollow(account: Account, target: Account) -> None:
    """``account`` stops following ``target``, or withdraws its request."""
    _check_local(account)
    existing = await Follow.get_or_none(follower=account, target=target)
    if existing is None:
        return
    async with in_transaction():
        await move_follow(existing, FollowState.REMOVED)
        if not target.is_local and existing.uri:
            await _publish_undo(account, "Follow", existing.uri, target.uri, to=[target.uri],
                                inboxes=personal_inbox(target))


async def authorize_follow(account: Account, follower: Account) -> Follow:
    """``account`` accepts ``follower``'s request: the follow counts from now on, and a
    remote follower's server gets an Accept. Authorising an accepted follow changes nothing."""
    request = await _follow_of(account, follower)
    async with in_transaction():
        if await move_follow(request, FollowState.ACCEPTED):
            await _answer_follow(account, follower, request, builders.accept_follow)
    return request


async def reject_follow(account: Account, follower: Account) -> Follow:
    """``account`` turns ``follower`` away: a request is refused, an accepted follow ends
    (Mastodon's "remove follower"); a remote follower's server gets a Reject."""
    request = await _follow_of(account, follower)
    async with in_transaction():
        if await move_follow(request, FollowState.REJECTED):
            await _answer_follow(account, follower, request, builders.reject_follow)
    return request


async def authorize_waiting_follows(account: Account) -> int:
    """Authorise every request waiting for ``account`` (it no longer approves by hand)."""
    waiting = await Follow.requests().filter(target=account).select_related("follower")
    for request in waiting:
        await authorize_follow(account, request.follower)
    return len(waiting)


async def _follow_of(account: Account, follower: Account) -> Follow:
    _check_local(account)
    request = await Follow.get_or_none(follower=follower, target=account)
    if request is None:
        raise ActionError(f"@{follower.acct} has not asked to follow @{account.acct}")
    return request


async def _answer_follow(account: Account, follower: Account, request: Follow, build) -> None:
    """Tell a remote follower's server the answer (Accept or Reject) to its Follow."""
    if follower.is_local or not request.uri:
        return
    received = builders.follow_reference(request.uri, follower.uri, account.uri)
    await publish(build(account, received), actor=account, inboxes=personal_inbox(follower))


async def favourite(account: Account, post: Post) -> Favourite:
    _check_local(account)
    _check_visible(post)
    existing = await Favourite.get_or_none(account=account, post=post)
    if existing is not None:
        return existing
    author = await post.account
    activity = builders.like(account, post.uri, author)
    async with in_transaction():
        record = await Favourite.create(account=account, post=post, uri=activity["id"])
        await notify(author, account, NotificationKind.FAVOURITE, post)
        await publish(activity, actor=account, inboxes=personal_inbox(author))
    return record


async def unfavourite(account: Account, post: Post) -> None:
    _check_local(account)
    existing = await Favourite.get_or_none(account=account, post=post)
    if existing is None:
        return
    author = await post.account
    async with in_transaction():
        await existing.delete()
        await _publish_undo(account, "Like", existing.uri, post.uri, to=[author.uri], inboxes=personal_inbox(author))


async def reblog(account: Account, post: Post) -> Post:
    """Boost ``post``: a Post row pointing at it, and an Announce to followers and its author."""
    _check_local(account)
    _check_visible(post)
    if post.boost_of_id is not None:
        post = await post.boost_of
    if post.visibility not in (Visibility.PUBLIC, Visibility.UNLISTED):
        raise ActionError("only public and unlisted posts can be boosted")
    existing = await Post.get_or_none(account=account, boost_of=post, deleted_at=None)
    if existing is not None:
        return existing
    author = await post.account
    activity = builders.announce(account, post.uri, author, public=True)
    async with in_transaction():
        boost = await Post.create(
            uri=activity["id"], account=account, boost_of=post, visibility=Visibility.PUBLIC,
            local=True, published_at=utcnow(),
        )
        await notify(author, account, NotificationKind.REBLOG, post)
        await publish(activity, actor=account, inboxes=await boost_inboxes(account, author))
    return boost


async def unreblog(account: Account, post: Post) -> None:
    _check_local(account)
    boost = await Post.get_or_none(account=account, boost_of=post, deleted_at=None)
    if boost is None:
        return
    author = await post.account
    async with in_transaction():
        await boost.delete()
        await event_bus.post_deleted(boost)
        await _publish_undo(account, "Announce", boost.uri, post.uri, to=[builders.PUBLIC],
                            cc=[author.uri, account.followers_url], inboxes=await boost_inboxes(account, author))


async def block(account: Account, target: Account) -> Block:
    """Block ``target``: follows both ways end, and a remote target's server is told."""
    _check_local(account)
    if target.pk == account.pk:
        raise ActionError("an account cannot block itself")
    existing = await Block.get_or_none(account=account, target=target)
    if existing is not None:
        return existing
    activity = builders.block(account, target)
    async with in_transaction():
        await remove_follows(Follow.between(account.pk, target.pk))
        record = await Block.create(account=account, target=target, uri=activity["id"])
        await publish(activity, actor=account, inboxes=personal_inbox(target))
    return record


async def unblock(account: Account, target: Account) -> None:
    _check_local(account)
    existing = await Block.get_or_none(account=account, target=target)
    if existing is None:
        return
    async with in_transaction():
        await existing.delete()
        await _publish_undo(account, "Block", existing.uri, target.uri, to=[target.uri], inboxes=personal_inbox(target))


async def _publish_undo(account: Account, kind: str, uri: str, object_uri: str, *, to: list[str],
                        inboxes: list[str], cc: list[str] | None = None) -> None:
    """Publish the Undo of ``account``'s earlier ``kind`` activity, rebuilt from its stored id
    and addressed as it was, to the same ``inboxes`` it went to."""
    original: dict[str, Any] = {"id": uri, "type": kind, "actor": account.uri, "object": object_uri, "to": to}
    if cc:
        original["cc"] = cc
    await publish(builders.undo(account, original), actor=account, inboxes=inboxes)


def _check_local(account: Account) -> None:
    if not account.is_local:
        raise ActionError(f"@{account.acct} is not an account of this instance")
    if account.suspended:
        raise ActionError(f"@{account.acct} is suspended")


def _check_reachable(target: Account) -> None:
    if not target.inbox_url:
        raise ActionError(f"@{target.acct} has no known inbox; fetch the account first")


def _check_visible(post: Post) -> None:
    if post.deleted_at is not None:
        raise ActionError("that post has been deleted")
