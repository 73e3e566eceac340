"""Posts from other servers: Create, Update and Delete of Notes and their kin.

A post is stored with its HTML sanitised, threaded to the post it answers when that one
is known, with its attachments as ``MediaAttachment`` rows (described, not fetched: remote
media is the media room's business) and a notification for each local account it
mentions. Only the author may edit or delete a post.
"""

from __future__ import annotations

from html import escape
from typing import Any

from federation.jsonld import PUBLIC
from federation.vocab import Activity, ContentObject, Emoji, Hashtag, Mention, same_origin
from fediserver.clock import utcnow
from fediserver.models import Account, MediaAttachment, NotificationKind, Post, Visibility
from fediserver.models.accounts import LOCAL_DOMAIN
from fediserver.models.interactions import notify
from inbox.handlers.base import Forged, Ignored, Inbound, find_post, require_object_id, require_own_origin
from inbox.sanitize import sanitize_html

STORED_TYPES = frozenset({"Note", "Article", "Page", "Question", "Image"})


def visibility_of(obj: ContentObject | Activity, followers_url: str | None) -> tuple[Visibility, list[str]]:
    """Mastodon's four visibilities from the addressing, and the actors addressed directly."""
    audience = set(obj.to) | set(obj.cc)
    if PUBLIC in obj.to:
        visibility = Visibility.PUBLIC
    elif PUBLIC in obj.cc:
        visibility = Visibility.UNLISTED
    elif followers_url and followers_url in audience:
        visibility = Visibility.PRIVATE
    else:
        visibility = Visibility.DIRECT
    recipients = [uri for uri in dict.fromkeys([*obj.to, *obj.cc]) if uri not in (PUBLIC, followers_url)]
    return visibility, recipients


def _tag_objects(obj: ContentObject) -> list[dict[str, Any]]:
    tags: list[dict[str, Any]] = []
    for tag in obj.tags:
        if isinstance(tag, Mention):
            tags.append({"type": "Mention", "href": tag.href, "name": tag.name})
        elif isinstance(tag, Hashtag):
            tags.append({"type": "Hashtag", "name": tag.name, "href": tag.href})
        elif isinstance(tag, Emoji):
            tags.append({"type": "Emoji", "name": tag.name, "icon": tag.icon_url, "id": tag.id})
    return tags


def _content_html(obj: ContentObject) -> str:
    content = sanitize_html(obj.content)
    if obj.type in ("Article", "Page") and obj.name:
        content = f"<p><strong>{escape(obj.name)}</strong></p>{content}"
    return content


def _post_fields(obj: ContentObject, author: Account, document: dict[str, Any] | None) -> dict[str, Any]:
    visibility, recipients = visibility_of(obj, author.followers_url)
    return {
        "url": obj.url,
        "object_type": obj.type,
        "content": _content_html(obj),
        "summary": sanitize_html(obj.summary),
        "sensitive": obj.sensitive,
        "visibility": visibility,
        "recipients": recipients,
        "in_reply_to_uri": obj.in_reply_to,
        "tags": _tag_objects(obj),
        "license": obj.license,
        "document": document,
    }


async def _replace_attachments(post: Post, obj: ContentObject, author: Account) -> None:
    await MediaAttachment.filter(post=post).delete()
    described = [
        (a.url, a.name, a.media_type, a.width, a.height, a.blurhash, a.focal_point) for a in obj.attachments
    ]
    if not described and obj.type == "Image" and obj.url:
        described = [(obj.url, obj.name, None, None, None, None, None)]
    rows = [
        MediaAttachment(
            account=author,
            post=post,
            remote_url=url[:2048],
            description=name or "",
            mime=(mime or "")[:64],
            width=width,
            height=height,
            blurhash=blurhash[:64] if blurhash else None,
            focal_x=focal[0] if focal else 0.0,
            focal_y=focal[1] if focal else 0.0,
        )
        for url, name, mime, width, height, blurhash, focal in described
    ]
    if rows:
        await MediaAttachment.bulk_create(rows)


async def _notify_mentions(post: Post, obj: ContentObject, author: Account) -> None:
    hrefs = {tag.href for tag in obj.tags if isinstance(tag, Mention)}
    if not hrefs:
        return
    mentioned = await Account.filter(domain=LOCAL_DOMAIN).filter(uri__in=hrefs).all()
    mentioned += await Account.filter(domain=LOCAL_DOMAIN, url__in=hrefs).exclude(uri__in=hrefs).all()
    for account in mentioned:
        await notify(account.id, author, NotificationKind.MENTION, post)


async def store_post(obj: ContentObject, author: Account, document: dict[str, Any] | None) -> Post:
    """Store a new remote post by ``author`` and thread it both ways."""
    parent = await find_post(obj.in_reply_to)
    post = await Post.create(
        uri=obj.id,
        account=author,
        in_reply_to=parent,
        published_at=obj.published or utcnow(),
        **_post_fields(obj, author, document),
    )
    await _replace_attachments(post, obj, author)
    await _notify_mentions(post, obj, author)
    # Replies that arrived before this post now find their parent.
    await Post.filter(in_reply_to_uri=obj.id, in_reply_to_id=None).update(in_reply_to_id=post.id)
    return post


def _storable(obj: ContentObject) -> None:
    if obj.type not in STORED_TYPES:
        raise Ignored(f"{obj.type} objects are not stored")
    if obj.type == "Note" and obj.in_reply_to and obj.name and not obj.content:
        raise Ignored("a poll vote; poll results are not tracked")


async def handle_create(inbound: Inbound) -> None:
    obj = inbound.activity.object
    object_id = require_object_id(inbound)
    if not isinstance(obj, ContentObject):
        raise Ignored(f"Create of {object_id} embeds no object we can read; not fetched")
    _storable(obj)
    require_own_origin(inbound, obj.id)
    if obj.author != inbound.sender.uri:
        raise Ignored(f"{obj.id} is attributed to {obj.author}, not to the sender")
    if await Post.exists(uri=obj.id):
        raise Ignored(f"{obj.id} is already stored")
    await store_post(obj, inbound.sender, inbound.raw_object)


async def update_post(inbound: Inbound, obj: ContentObject) -> None:
    sender = inbound.sender
    if not same_origin(obj.id, sender.uri) or (obj.author and obj.author != sender.uri):
        raise Forged(f"{sender.uri} may not update {obj.id}")
    post = await find_post(obj.id)
    if post is None:
        raise Ignored(f"post {obj.id} is not known here; not fetched")
    if post.account_id != sender.id:
        raise Forged(f"{obj.id} belongs to another account than {sender.uri}")
    _storable(obj)
    post.update_from_dict(_post_fields(obj, sender, inbound.raw_object))
    post.edited_at = obj.updated or utcnow()
    await post.save()
    await _replace_attachments(post, obj, sender)
    for booster_id in await Post.filter(boost_of=post).values_list("account_id", flat=True):
        await notify(booster_id, sender, NotificationKind.UPDATE, post)


async def delete_post(inbound: Inbound, object_id: str) -> None:
    sender = inbound.sender
    embedded = inbound.activity.object
    if not same_origin(object_id, sender.uri) or (
        isinstance(embedded, ContentObject) and embedded.author and embedded.author != sender.uri
    ):
        raise Forged(f"{sender.uri} may not delete {object_id}")
    post = await find_post(object_id)
    if post is None:
        raise Ignored(f"post {object_id} is not known here")
    if post.account_id != sender.id:
        raise Forged(f"{object_id} belongs to another account than {sender.uri}")
    await MediaAttachment.filter(post=post).delete()
    await Post.filter(boost_of=post).delete()
    post.content, post.summary, post.document, post.tags = "", "", None, []
    post.object_type = "Tombstone"
    post.deleted_at = utcnow()
    await post.save()
