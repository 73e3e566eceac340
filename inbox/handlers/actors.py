"""Remote actors changing themselves: Update of their profile, Delete of their account,
and Move to a new account.

Only an actor may change itself: an embedded actor whose id is not the sender's is
forged. A Move is followed only when the new account names the old one in
``alsoKnownAs`` (a known new account is fetched again to see its current aliases, an
unknown one fetched); local followers then follow the new account (a Follow sent
through the outbox, or at once when it is one of ours) and are told.
"""

from __future__ import annotations

import logging

from tortoise.expressions import Q

from federation.vocab import Actor
from fediserver.models import Follow, NotificationKind, Post
from fediserver.models.accounts import LOCAL_DOMAIN
from fediserver.models.interactions import notify
from fediserver.models.social import FollowState, move_follow, remove_follows
from inbox.handlers.base import Forged, Inbound, Unknown, require_account, require_object_id
from inbox.remote_accounts import store_remote_actor
from outbox import relations
from outbox.errors import ActionError

log = logging.getLogger(__name__)


async def update_actor(inbound: Inbound, actor: Actor) -> None:
    if actor.id != inbound.sender.uri:
        raise Forged(f"{inbound.sender.uri} may not update the actor {actor.id}")
    await store_remote_actor(actor, inbound.raw_object)


async def delete_actor(inbound: Inbound) -> None:
    """The account is gone: suspend it, drop its posts and every follow to or from it."""
    sender = inbound.sender
    await remove_follows(Follow.filter(Q(follower=sender) | Q(target=sender)))
    await Post.filter(account=sender).delete()
    sender.suspended = True
    await sender.save(update_fields=["suspended"])


async def handle_move(inbound: Inbound) -> None:
    old = inbound.sender
    if require_object_id(inbound) != old.uri:
        raise Forged(f"{old.uri} may not move {inbound.activity.object_id}")
    new = await require_account(inbound.activity.target)
    if old.uri not in (new.also_known_as or []):
        if new.uri not in inbound.unresolvable and not new.is_local:
            # Perhaps the alias was added after we last fetched the new account.
            raise Unknown(new.uri, kind="account", optional=True, stale=True)
        raise Forged(f"{new.uri} does not list {old.uri} in alsoKnownAs")
    old.moved_to_uri = new.uri
    await old.save(update_fields=["moved_to_uri"])
    local_follows = await Follow.filter(target=old, follower__domain=LOCAL_DOMAIN).prefetch_related("follower")
    for old_follow in local_follows:
        follower = old_follow.follower
        if follower.pk != new.pk:
            try:
                await relations.follow(follower, new)  # pending until a remote Accept; local at once
            except ActionError as refusal:  # they block each other
                log.info("%s does not follow %s after its move: %s", follower.acct, new.acct, refusal)
        await move_follow(old_follow, FollowState.REMOVED)
        await notify(follower, old, NotificationKind.MOVE)
