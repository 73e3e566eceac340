"""Remote posts as stored posts: a parsed content object becomes a ``Post`` with its media.

Every door a remote post comes in by (a Create in an inbox, an embedded boost, a fetched
reply parent, a search result) stores it here, so it reads the same whichever way it came:

- the types Mastodon keeps: Note, Article, Page, Question and Image as they are; Audio,
  Video and Event converted as Mastodon renders them (the title, the description, a
  link to the original), their audio or video file attached;
- HTML sanitised; ``Link`` attachments appended as links, never as media;
- attachments typed by their declared media type (``media.kinds``), described, not
  fetched (remote media is the media room's business);
- who may read it recorded in ``visibility`` and ``recipients`` the way the one rule in
  ``fediserver.visibility`` reads them: a post delivered to a local account's personal
  inbox names that account, even when its audience is a collection we cannot expand;
  followers-only is known by the author's published ``followers`` collection, else by
  delivery (an audience naming an unknown collection);
- threaded both ways, its quote linked and judged (``inbox.quotes``), a Question's poll
  stored (``inbox.polls``), and each local account it mentions notified.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from html import escape
from typing import Any

from tortoise.expressions import Q

from federation.jsonld import PUBLIC
from federation.vocab import Activity, Attachment, ContentObject, Emoji, Hashtag, Mention
from fediserver import event_bus
from fediserver.models import Account, MediaAttachment, NotificationKind, Post, Visibility
from fediserver.models.accounts import LOCAL_DOMAIN
from fediserver.models.interactions import notify
from fediserver.models.post_edits import differs, record_edit, snapshot
from fediserver.clock import utcnow
from inbox.polls import store_remote_poll
from inbox.quotes import initial_quote
from inbox.sanitize import sanitize_html
from media.kinds import AUDIO, VIDEO, declared_media_type, kind_of

STORED_TYPES = frozenset({"Note", "Article", "Page", "Question", "Image", "Audio", "Video", "Event"})
# Shown as Mastodon shows them: title, description and a link, not their own content.
CONVERTED_TYPES = frozenset({"Audio", "Video", "Event"})
MAX_ATTACHMENTS = 8


async def audience(obj: ContentObject | Activity, author: Account,
                   delivered_to: Iterable[str] = ()) -> tuple[Visibility, list[str]]:
    """Mastodon's four visibilities from the addressing, and the actors who may read it
    besides the author's followers: those addressed, and the local accounts whose
    personal inbox it was delivered to."""
    delivered = list(dict.fromkeys(delivered_to))
    followers = author.followers_url
    named = [uri for uri in dict.fromkeys([*obj.to, *obj.cc]) if uri not in (PUBLIC, followers)]
    if PUBLIC in obj.to:
        visibility = Visibility.PUBLIC
    elif PUBLIC in obj.cc:
        visibility = Visibility.UNLISTED
    elif followers:
        visibility = Visibility.PRIVATE if followers in (*obj.to, *obj.cc) else Visibility.DIRECT
    else:
        # No followers collection published: an address that is no actor we know of is
        # the author's followers under another name (it was delivered here for them).
        actors = set(await Account.filter(uri__in=named).values_list("uri", flat=True)) if named else set()
        actors |= {tag.href for tag in getattr(obj, "tags", ()) if isinstance(tag, Mention)} | set(delivered)
        collections = [uri for uri in named if uri not in actors]
        visibility = Visibility.PRIVATE if collections else Visibility.DIRECT
        named = [uri for uri in named if uri in actors]
    return visibility, list(dict.fromkeys([*named, *delivered]))


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


def _link(href: str, text: str | None = None) -> str:
    return f'<p><a href="{escape(href)}">{escape(text or href)}</a></p>'


def content_html(obj: ContentObject) -> str:
    """The post's HTML as it is shown: sanitised, converted types rendered as Mastodon
    does, and ``Link`` attachments appended as links."""
    if obj.type in CONVERTED_TYPES:
        description = obj.summary or (obj.content if obj.type == "Event" else None)
        parts = [f"<p><strong>{escape(obj.name)}</strong></p>" if obj.name else "",
                 description if description and "<" in description else
                 f"<p>{escape(description)}</p>" if description else "",
                 _link(obj.url or obj.id)]
        content = sanitize_html("".join(parts))
    else:
        content = sanitize_html(obj.content)
        if obj.type in ("Article", "Page") and obj.name:
            content = f"<p><strong>{escape(obj.name)}</strong></p>{content}"
    for link in obj.links:
        if f'href="{escape(link.href)}"' not in content:
            content += sanitize_html(_link(link.href, link.name))
    return content


async def post_fields(obj: ContentObject, author: Account, document: dict[str, Any] | None,
                      delivered_to: Iterable[str] = ()) -> dict[str, Any]:
    visibility, recipients = await audience(obj, author, delivered_to)
    return {
        **await initial_quote(obj, author, document),
        "url": obj.url,
        "object_type": obj.type,
        "content": content_html(obj),
        # Converted types show their summary as the description, not as a warning.
        "summary": "" if obj.type in CONVERTED_TYPES else sanitize_html(obj.summary),
        "sensitive": obj.sensitive,
        "visibility": visibility,
        "recipients": recipients,
        "in_reply_to_uri": obj.in_reply_to,
        "tags": _tag_objects(obj),
        "license": obj.license,
        "document": document,
    }


def media_file(obj: ContentObject) -> Attachment | None:
    """The one audio or video file of an Audio or Video object worth attaching: for a
    video, the smallest file that still has a picture (the others are the same video,
    larger); for audio, the first audio file."""
    wanted = VIDEO if obj.type == "Video" else AUDIO
    files = [f for f in obj.media_files if kind_of(f.media_type) == wanted]
    if wanted == VIDEO:
        files = [f for f in files if f.height != 0]
    return min(files, key=lambda f: (f.size is None, f.size or 0, f.height or 0), default=None)


def _described(obj: ContentObject) -> Sequence[Attachment]:
    attachments = list(obj.attachments)
    if not attachments and obj.type == "Image" and obj.url:
        attachments = [Attachment(url=obj.url, type="Image", name=obj.name)]
    if obj.type in ("Audio", "Video") and (chosen := media_file(obj)) is not None:
        attachments.append(chosen)
    return attachments[:MAX_ATTACHMENTS]


async def replace_attachments(post: Post, obj: ContentObject, author: Account) -> None:
    await MediaAttachment.filter(post=post).delete()
    await attach_media(post, obj, author)


async def attach_media(post: Post, obj: ContentObject, author: Account) -> None:
    """Describe the object's attachments on ``post`` (which has none yet)."""
    rows = [
        MediaAttachment(
            account=author,
            post=post,
            remote_url=a.url[:2048],
            description=a.name or "",
            mime=declared_media_type(a.url, a.media_type, a.type),
            width=a.width,
            height=a.height,
            blurhash=a.blurhash[:64] if a.blurhash else None,
            focal_x=a.focal_point[0] if a.focal_point else 0.0,
            focal_y=a.focal_point[1] if a.focal_point else 0.0,
            file_size=a.size,
        )
        for a in _described(obj)
    ]
    if rows:
        await MediaAttachment.bulk_create(rows)


async def notify_mentions(post: Post, obj: ContentObject, author: Account) -> None:
    hrefs = {tag.href for tag in obj.tags if isinstance(tag, Mention)}
    if not hrefs:
        return
    # A mention names an artist by her actor URI or her profile URL: one query for both.
    mentioned = await Account.filter(Q(uri__in=hrefs) | Q(url__in=hrefs), domain=LOCAL_DOMAIN).values_list(
        "id", flat=True)
    for account_id in sorted(mentioned):
        await notify(account_id, author, NotificationKind.MENTION, post)


async def store_post(obj: ContentObject, author: Account, document: dict[str, Any] | None,
                     delivered_to: Iterable[str] = ()) -> Post:
    """Store a new remote post by ``author`` and thread it both ways."""
    parent = await Post.get_or_none(uri=obj.in_reply_to, deleted_at=None) if obj.in_reply_to else None
    post = await Post.create(
        uri=obj.id,
        account=author,
        in_reply_to=parent,
        published_at=obj.published or utcnow(),
        **await post_fields(obj, author, document, delivered_to),
    )
    await attach_media(post, obj, author)
    await store_remote_poll(post, obj)
    await notify_mentions(post, obj, author)
    await _link_earlier_arrivals(post)
    return post


async def _link_earlier_arrivals(post: Post) -> None:
    """Replies and quotes of ``post`` that arrived before it now find it (one query when
    none did, the common case)."""
    waiting = await Post.filter(Q(in_reply_to_uri=post.uri, in_reply_to_id=None) | Q(quote_uri=post.uri, quote_of_id=None)
                                ).values_list("id", "in_reply_to_uri", "in_reply_to_id", "quote_uri", "quote_of_id")
    replies = [pk for pk, reply_to, reply_to_id, _, _ in waiting if reply_to == post.uri and reply_to_id is None]
    quotes = [pk for pk, _, _, quoted, quoted_id in waiting if quoted == post.uri and quoted_id is None]
    if replies:
        await Post.filter(id__in=replies, in_reply_to_id=None).update(in_reply_to_id=post.id)
    if quotes:
        await Post.filter(id__in=quotes, quote_of_id=None).update(quote_of_id=post.id)


async def update_stored_post(post: Post, obj: ContentObject, author: Account, document: dict[str, Any] | None,
                             delivered_to: Iterable[str] = ()) -> bool:
    """Apply an edit of a stored remote post: its fields and attachments as now sent; the
    local accounts that could read it before keep reading it. True when a reader would
    see a change, which is then kept in the post's history (an Update that only
    refreshes a poll's counts is no edit)."""
    earlier = post.recipients or []
    readers = await Account.filter(uri__in=earlier, domain=LOCAL_DOMAIN).values_list("uri", flat=True) if earlier else []
    before = await snapshot(post)
    edited_before = post.edited_at
    post.update_from_dict(await post_fields(obj, author, document, [*readers, *delivered_to]))
    post.edited_at = obj.updated or utcnow()
    await post.save()
    await replace_attachments(post, obj, author)
    await store_remote_poll(post, obj)
    after = await snapshot(post)
    if not differs(before, after):
        post.edited_at = edited_before
        await post.save(update_fields=["edited_at"])
        return False
    await record_edit(post, before, after)
    await event_bus.post_updated(post)
    return True


async def grant_delivered_reader(object_uri: str, account_uri: str) -> None:
    """A stored post delivered again, to another local account's personal inbox: that
    account may read it too (the same post reaching two inboxes is stored once)."""
    post = await Post.get_or_none(uri=object_uri)
    if post is None or post.visibility in (Visibility.PUBLIC, Visibility.UNLISTED):
        return
    if account_uri not in (post.recipients or []):
        post.recipients = [*(post.recipients or []), account_uri]
        await post.save(update_fields=["recipients"])
