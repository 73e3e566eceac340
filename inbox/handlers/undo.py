"""Undo: taking back a Follow, Like, EmojiReact, Announce or Block the sender made.

The undone activity is found by its id, or, when the Undo embeds it, by what it did
(who, what); only the sender's own rows are ever removed.
"""

from __future__ import annotations

from federation.vocab import Activity
from fediserver import event_bus
from fediserver.models import Account, Block, Favourite, Follow, Post, Reaction
from fediserver.models.social import remove_follows
from inbox.handlers.base import Forged, Ignored, Inbound, find_account, find_post, require_object_id


async def _undo_follow(sender: Account, undone: Activity | None, uri: str) -> int:
    removed = await remove_follows(Follow.filter(follower=sender, uri=uri))
    target = await find_account(undone.object_id) if undone else None
    if not removed and target is not None:
        removed = await remove_follows(Follow.filter(follower=sender, target=target))
    return removed


async def _undo_like(sender: Account, undone: Activity | None, uri: str) -> int:
    removed = await Favourite.filter(account=sender, uri=uri).delete()
    removed += await Reaction.filter(account=sender, uri=uri).delete()
    post = await find_post(undone.object_id) if undone else None
    if not removed and post is not None:
        removed = await Favourite.filter(account=sender, post=post).delete()
    return removed


async def _undo_reaction(sender: Account, undone: Activity | None, uri: str) -> int:
    return await Reaction.filter(account=sender, uri=uri).delete()


async def _undo_announce(sender: Account, undone: Activity | None, uri: str) -> int:
    boosts = await Post.filter(account=sender, uri=uri, boost_of_id__isnull=False)
    post = await find_post(undone.object_id) if undone else None
    if not boosts and post is not None:
        boosts = await Post.filter(account=sender, boost_of=post)
    for boost in boosts:
        await boost.delete()
        await event_bus.post_deleted(boost)
    return len(boosts)


async def _undo_block(sender: Account, undone: Activity | None, uri: str) -> int:
    removed = await Block.filter(account=sender, uri=uri).delete()
    target = await find_account(undone.object_id) if undone else None
    if not removed and target is not None:
        removed = await Block.filter(account=sender, target=target).delete()
    return removed


UNDOERS = {
    "Follow": _undo_follow,
    "Like": _undo_like,
    "EmojiReact": _undo_reaction,
    "Announce": _undo_announce,
    "Block": _undo_block,
}


async def handle_undo(inbound: Inbound) -> None:
    uri = require_object_id(inbound)
    undone = inbound.activity.object if isinstance(inbound.activity.object, Activity) else None
    if undone is not None:
        if undone.actor != inbound.sender.uri:
            raise Forged(f"{inbound.sender.uri} may not undo an activity of {undone.actor}")
        undoer = UNDOERS.get(undone.type)
        if undoer is None:
            raise Ignored(f"an Undo of {undone.type} has nothing to take back here")
        removed = await undoer(inbound.sender, undone, uri)
    else:
        # Only the id: whatever of the sender's rows carries it.
        removed = 0
        for undoer in UNDOERS.values():
            removed += await undoer(inbound.sender, None, uri)
    if not removed:
        raise Ignored(f"nothing of {inbound.sender.uri} matches {uri}")
