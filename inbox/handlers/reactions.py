"""Reactions to posts: Like (a favourite, or an emoji reaction the Misskey way),
EmojiReact, and Announce (a boost).

Each is remembered by its activity id so that an Undo can find it, and the author of
the post, when local, is notified. A reaction to a post whose author blocks the sender
is dropped: the blocked account does not reach the one who blocked it.
"""

from __future__ import annotations

from federation.vocab import Activity, ContentObject, same_origin
from fediserver.clock import utcnow
from fediserver.models import Block, Favourite, NotificationKind, Post, Reaction
from fediserver.models.interactions import notify
from inbox.handlers.base import (
    Ignored,
    Inbound,
    Unknown,
    find_account,
    find_post,
    require_activity_id,
    require_object_id,
    require_post,
)
from inbox.remote_posts import STORED_TYPES, audience, store_post


def reaction_emoji(inbound: Inbound) -> str | None:
    """The emoji of an EmojiReact, or of a Like carrying one (Misskey and its forks)."""
    emoji = inbound.text_field("_misskey_reaction", "content")
    return emoji[:255] if emoji else None


async def _not_blocked(post: Post, inbound: Inbound) -> Post:
    if await Block.exists(account_id=post.account_id, target=inbound.sender):
        raise Ignored(f"the author of {post.uri} blocks {inbound.sender.acct}")
    return post


async def _react(inbound: Inbound, emoji: str) -> None:
    post = await _not_blocked(await require_post(require_object_id(inbound)), inbound)
    _, created = await Reaction.get_or_create(
        account=inbound.sender, post=post, emoji=emoji, defaults={"uri": inbound.activity.id}
    )
    if created:
        await notify(post.account_id, inbound.sender, NotificationKind.REACTION, post)


async def handle_like(inbound: Inbound) -> None:
    emoji = reaction_emoji(inbound)
    if emoji:
        await _react(inbound, emoji)
        return
    post = await _not_blocked(await require_post(require_object_id(inbound)), inbound)
    _, created = await Favourite.get_or_create(
        account=inbound.sender, post=post, defaults={"uri": inbound.activity.id}
    )
    if created:
        await notify(post.account_id, inbound.sender, NotificationKind.FAVOURITE, post)


async def handle_emoji_react(inbound: Inbound) -> None:
    emoji = reaction_emoji(inbound)
    if not emoji:
        raise Ignored("EmojiReact without an emoji")
    await _react(inbound, emoji)


async def _boosted_post(inbound: Inbound) -> Post:
    """The boosted post: known already, or embedded by its own author's server."""
    object_id = require_object_id(inbound)
    known = await find_post(object_id)
    if known is not None:
        return known
    obj = inbound.activity.object
    if isinstance(obj, Activity):
        raise Ignored(f"an announced {obj.type} activity (a group relaying) is not acted on")
    if isinstance(obj, ContentObject) and obj.type in STORED_TYPES and obj.author:
        author = await find_account(obj.author)
        # Trusted as sent only when the booster's server is the post's and its author's.
        if author is not None and same_origin(obj.id, inbound.sender.uri) and same_origin(author.uri, obj.id):
            return await store_post(obj, author, inbound.raw_object)
    raise Unknown(object_id)


async def handle_announce(inbound: Inbound) -> None:
    boost_id = require_activity_id(inbound)
    if await Post.exists(uri=boost_id):
        raise Ignored(f"boost {boost_id} is already stored")
    original = await _not_blocked(await _boosted_post(inbound), inbound)
    visibility, recipients = await audience(inbound.activity, inbound.sender, inbound.delivered_to)
    await Post.create(
        uri=boost_id,
        account=inbound.sender,
        boost_of=original,
        visibility=visibility,
        recipients=recipients,
        published_at=inbound.activity.published or utcnow(),
    )
    await notify(original.account_id, inbound.sender, NotificationKind.REBLOG, original)
