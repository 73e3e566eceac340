"""One handler per activity type: the registry the inbound processor dispatches on.

``HANDLERS`` maps an ActivityStreams type to the coroutine that applies it. Update,
Delete, Accept and Reject mean different things by their object (an actor or a post; a
follow or a quote request); the small dispatchers here send them to the module that
owns that subject.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from federation.vocab import Actor, ContentObject
from inbox.handlers.actors import delete_actor, handle_move, update_actor
from inbox.handlers.base import Forged, Ignored, Inbound, require_object_id
from inbox.handlers.featured import handle_add, handle_remove
from inbox.handlers.follows import handle_accept as accept_follow
from inbox.handlers.follows import handle_follow
from inbox.handlers.follows import handle_reject as reject_follow
from inbox.handlers.moderation import handle_block, handle_flag
from inbox.handlers.posts import delete_post, handle_create, update_post
from inbox.handlers.quotes import accept_quote, handle_quote_request, is_quote_request_answer, reject_quote
from inbox.handlers.reactions import handle_announce, handle_emoji_react, handle_like
from inbox.handlers.undo import handle_undo

Handler = Callable[[Inbound], Awaitable[None]]


async def handle_update(inbound: Inbound) -> None:
    obj = inbound.activity.object
    if isinstance(obj, Actor):
        await update_actor(inbound, obj)
    elif isinstance(obj, ContentObject):
        await update_post(inbound, obj)
    else:
        raise Ignored(f"Update of {inbound.activity.object_id} embeds nothing we can read")


async def handle_accept(inbound: Inbound) -> None:
    if is_quote_request_answer(inbound):
        await accept_quote(inbound)
    else:
        await accept_follow(inbound)


async def handle_reject(inbound: Inbound) -> None:
    if is_quote_request_answer(inbound):
        await reject_quote(inbound)
    else:
        await reject_follow(inbound)


async def handle_delete(inbound: Inbound) -> None:
    object_id = require_object_id(inbound)
    if object_id == inbound.sender.uri:
        await delete_actor(inbound)
    else:
        await delete_post(inbound, object_id)


HANDLERS: dict[str, Handler] = {
    "Follow": handle_follow,
    "Accept": handle_accept,
    "Reject": handle_reject,
    "Undo": handle_undo,
    "Create": handle_create,
    "Update": handle_update,
    "Delete": handle_delete,
    "Announce": handle_announce,
    "Like": handle_like,
    "EmojiReact": handle_emoji_react,
    "Block": handle_block,
    "Flag": handle_flag,
    "Move": handle_move,
    "Add": handle_add,
    "Remove": handle_remove,
    "QuoteRequest": handle_quote_request,
}

__all__ = ["HANDLERS", "Forged", "Handler", "Ignored", "Inbound"]
