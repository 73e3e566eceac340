"""Local posts as the ActivityStreams objects other servers read.

One rendering serves every door a post leaves by: the object's own URL, the outbox
collection, and the Create/Update activities delivered to followers. Addressing
follows Mastodon's conventions for the four visibilities, so its servers and their
kin show the post exactly as the artist chose.

A quote carries the quoted post and its authorization, and every Note says who may
quote it (``interactionPolicy.canQuote``), as Mastodon 4.5 writes them (``outbox.quotes``).
The artist's rules travel with the post (see docs/FEDERATION.md): schema.org ``license``
on the Note and on each attachment, the IPTC/PLUS ``dataMining`` reservation (the same
value embedded in the served images) and FEP-5e53's ``xRobotsTag: "noai, noimageai"``.
Attachments carry only the URL ``media_url`` chooses: a derivative the rules let out.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any, Protocol

from fediserver.clock import utcnow
from fediserver.models import Account, MediaAttachment, Poll, Post, Visibility
from fediserver.models.portfolio import Work
from media.content_credentials import note_terms
from outbox.quotes import QUOTE_CONTEXT, interaction_policy, quote_properties

PUBLIC = "https://www.w3.org/ns/activitystreams#Public"

OBJECT_CONTEXT: list[Any] = [
    "https://www.w3.org/ns/activitystreams",
    {
        "sensitive": "as:sensitive",
        "Hashtag": "as:Hashtag",
        "toot": "http://joinmastodon.org/ns#",
        "blurhash": "toot:blurhash",
        "votersCount": "toot:votersCount",
        "focalPoint": {"@container": "@list", "@id": "toot:focalPoint"},
        "schema": "http://schema.org#",
        "license": "schema:license",
        "plus": "http://ns.useplus.org/ldf/xmp/1.0/",
        "dataMining": {"@id": "plus:DataMining", "@type": "@id"},
        "xRobotsTag": "https://w3id.org/fep/5e53#xRobotsTag",
        "Iptc4xmpExt": "http://iptc.org/std/Iptc4xmpExt/2008-02-29/",
        "digitalSourceType": {"@id": "Iptc4xmpExt:DigitalSourceType", "@type": "@id"},
        **QUOTE_CONTEXT,
    },
]
DATA_MINING_VOCABULARY = "http://ns.useplus.org/ldf/vocab/"
NO_AI_ROBOTS_TAG = "noai, noimageai"

# Which URL of an attachment may leave this server (chosen by the media rules), or None.
MediaUrl = Callable[[MediaAttachment], str | None]


class AiLabel(Protocol):
    """What the media rules say people should be told about an attachment (``media.labels.AiVerdict``)."""

    @property
    def label(self) -> str | None: ...

    @property
    def source_type(self) -> str | None: ...


# The AI label of an attachment, as the media rules decide it (``media.labels``).
AiLabelOf = Callable[[MediaAttachment], AiLabel | None]


def iso(moment: datetime) -> str:
    """An ActivityStreams timestamp: UTC, whole seconds, as Mastodon writes them."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def addressing(author: Account, visibility: Visibility, mentioned: Iterable[str]) -> tuple[list[str], list[str]]:
    """(to, cc) for a post, as Mastodon addresses each visibility."""
    mentions = list(dict.fromkeys(mentioned))
    followers = author.followers_url
    if visibility == Visibility.PUBLIC:
        return [PUBLIC], [followers, *mentions]
    if visibility == Visibility.UNLISTED:
        return [followers], [PUBLIC, *mentions]
    if visibility == Visibility.PRIVATE:
        return [followers], mentions
    return mentions, []


def rights_terms(license: str | None, data_mining: str | None) -> dict[str, str]:
    """The licence and do-not-train terms of a post or attachment (``data_mining``: a PLUS value)."""
    terms: dict[str, str] = {}
    if license:
        terms["license"] = license
    if data_mining:
        terms["dataMining"] = DATA_MINING_VOCABULARY + data_mining
        if data_mining.startswith("DMI-PROHIBITED"):
            terms["xRobotsTag"] = NO_AI_ROBOTS_TAG
    return terms


def attachment_object(
    attachment: MediaAttachment, url: str, *, license: str | None = None, data_mining: str | None = None,
    ai_label: AiLabel | None = None,
) -> dict[str, Any]:
    """An attachment as a Document; an AI-labelled one carries the label as its ``summary``,
    in front of its alt text (``name``, which apps show), and the IPTC digital source type."""
    label = ai_label.label if ai_label is not None else None
    name = attachment.description or None
    if label:
        name = f"{label}. {name}" if name else label
    document: dict[str, Any] = {
        "type": "Document",
        "mediaType": attachment.mime,
        "url": url,
        "name": name,
        "blurhash": attachment.blurhash,
        "focalPoint": [attachment.focal_x, attachment.focal_y],
    }
    if attachment.width and attachment.height:
        document["width"] = attachment.width
        document["height"] = attachment.height
    if label:
        document["summary"] = label
        if ai_label.source_type:
            document["digitalSourceType"] = ai_label.source_type
    document.update(rights_terms(license, data_mining))
    # The source type a checked Content Credentials manifest declares, unless the rules'
    # verdict (the label above) already named one: the label is what this server decided.
    for term, value in note_terms(attachment.content_credentials).items():
        document.setdefault(term, value)
    return document


def note_object(
    post: Post,
    author: Account,
    attachments: Iterable[MediaAttachment] = (),
    *,
    media_url: MediaUrl = lambda attachment: None,
    data_mining: str | None = None,
    with_context: bool = True,
    payment_link: tuple[str, str] | None = None,
    ai_label_of: AiLabelOf = lambda attachment: None,
    poll: Poll | None = None,
) -> dict[str, Any]:
    """The Note (or Article...) for a local post that is not deleted; with its ``poll``, a
    ``Question`` as Mastodon writes one (``question_terms``).

    ``media_url`` is the media room's ``MediaLinks.media_url``; ``data_mining`` the
    author's effective plus:DataMining value (``MediaPipeline.artist_policy(author)``);
    ``payment_link`` (URL, label) where the work can be commissioned or bought, sent as a
    FEP-0ea0 ``Link`` with ``rel: payment`` among the attachments. ``ai_label_of`` gives
    an attachment's AI label (``media.labels``): a labelled image puts its label in the
    Note's ``summary`` (the content warning apps show, before the author's own) and
    makes the Note ``sensitive``.
    """
    to, cc = addressing(author, post.visibility, post.addressee_uris())
    documents = []
    labels: list[str] = []
    for attachment in attachments:
        if (url := media_url(attachment)) is None:
            continue
        ai_label = ai_label_of(attachment)
        if ai_label is not None and ai_label.label and ai_label.label not in labels:
            labels.append(ai_label.label)
        documents.append(
            attachment_object(attachment, url, license=post.license, data_mining=data_mining, ai_label=ai_label)
        )
    summary = "; ".join([*labels, post.summary] if post.summary else labels) or None
    if payment_link is not None:
        documents.append({"type": "Link", "rel": "payment", "href": payment_link[0], "name": payment_link[1],
                          "mediaType": "text/html"})
    note: dict[str, Any] = {
        "id": post.uri,
        "type": post.object_type,
        "attributedTo": author.uri,
        "url": post.url or post.uri,
        "published": iso(post.published_at),
        "to": to,
        "cc": cc,
        "summary": summary,
        "sensitive": post.sensitive or bool(labels),
        "inReplyTo": post.in_reply_to_uri,
        "content": post.content,
        "attachment": documents,
        "tag": list(post.tags),
    }
    if post.language:
        note["contentMap"] = {post.language: post.content}
    if poll is not None:
        note.update(question_terms(poll))
    if post.edited_at:
        note["updated"] = iso(post.edited_at)
    note.update(quote_properties(post))
    note["interactionPolicy"] = interaction_policy(post, author)
    note.update(rights_terms(post.license, data_mining))
    if with_context:
        note = {"@context": OBJECT_CONTEXT, **note}
    return note


def question_terms(poll: Poll) -> dict[str, Any]:
    """A poll's part of its ``Question``: the options under ``oneOf`` (or ``anyOf`` when
    several may be chosen), each with its count as ``replies.totalItems``, ``endTime``,
    ``closed`` once ended, and ``votersCount``."""
    options = [
        {"type": "Note", "name": title, "replies": {"type": "Collection", "totalItems": count}}
        for title, count in zip(poll.options, [*poll.votes, *[0] * len(poll.options)])
    ]
    terms: dict[str, Any] = {"type": "Question", "anyOf" if poll.multiple else "oneOf": options,
                             "votersCount": poll.voters_count}
    if poll.expires_at is not None:
        terms["endTime"] = iso(poll.expires_at)
        if poll.expired(utcnow()):
            terms["closed"] = iso(poll.expires_at)
    return terms


def tombstone(post: Post) -> dict[str, Any]:
    """What a deleted post's URL answers, and the object of its Delete."""
    tomb: dict[str, Any] = {"id": post.uri, "type": "Tombstone", "formerType": post.object_type}
    if post.deleted_at:
        tomb["deleted"] = iso(post.deleted_at)
    return tomb


class NoteRenderer:
    """Renders local posts with everything the media rules decide: which attachment URLs
    may leave the server, and the author's data-mining reservation. Built once per process
    (``Services.notes``) and used by every door a post leaves by."""

    def __init__(self, media_url: MediaUrl, data_mining_for: Callable[[Account], str | None],
                 ai_label_of: AiLabelOf = lambda attachment: None) -> None:
        self.media_url = media_url
        self.data_mining_for = data_mining_for
        self.ai_label_of = ai_label_of

    async def note(self, post: Post, author: Account, *, with_context: bool = True) -> dict[str, Any]:
        [note] = await self.notes([post], author, with_context=with_context)
        return note

    async def notes(self, posts: list[Post], author: Account, *, with_context: bool = False) -> list[dict[str, Any]]:
        """Several posts of one author, their attachments read in one query."""
        by_post: dict[int, list[MediaAttachment]] = {post.pk: [] for post in posts}
        for attachment in await MediaAttachment.filter(post_id__in=list(by_post)).order_by("id"):
            by_post[attachment.post_id].append(attachment)
        payments = {
            post_id: (url, label or "Commission or buy")
            for post_id, url, label in await Work.filter(post_id__in=list(by_post), payment_url__isnull=False)
            .values_list("post_id", "payment_url", "payment_label")
        }
        polls = {poll.post_id: poll for poll in await Poll.filter(post_id__in=list(by_post))}
        data_mining = self.data_mining_for(author)
        return [
            note_object(
                post,
                author,
                by_post[post.pk],
                media_url=self.media_url,
                data_mining=data_mining,
                with_context=with_context,
                payment_link=payments.get(post.pk),
                ai_label_of=self.ai_label_of,
                poll=polls.get(post.pk),
            )
            for post in posts
        ]


FEP_7AA9 = "https://w3id.org/fep/7aa9#"
SERIES_CONTEXT: list[Any] = [
    "https://www.w3.org/ns/activitystreams",
    {
        "sensitive": "as:sensitive",
        "FeaturedCollection": FEP_7AA9 + "FeaturedCollection",
        "FeaturedItem": FEP_7AA9 + "FeaturedItem",
        "featuredObject": {"@id": FEP_7AA9 + "featuredObject", "@type": "@id"},
        "toot": "http://joinmastodon.org/ns#",
        "discoverable": "toot:discoverable",
    },
]


def featured_collection(
    collection_id: str,
    page_url: str,
    author: Account,
    *,
    title: str,
    description: str,
    published: datetime,
    updated: datetime | None,
    items: Iterable[tuple[int, str, datetime]],
    image_url: str | None = None,
    with_context: bool = True,
) -> dict[str, Any]:
    """An artist's series as a FEP-7aa9 ``FeaturedCollection`` of their own posts.

    ``items`` are (entry id, post URI, added) in the series' order; only posts anyone
    may read belong here. The artist's own works need no feature authorisation."""
    ordered = [
        {"id": f"{collection_id}/items/{entry_id}", "type": "FeaturedItem", "featuredObject": uri, "published": iso(added)}
        for entry_id, uri, added in items
    ]
    collection: dict[str, Any] = {
        "id": collection_id,
        "type": "FeaturedCollection",
        "name": title,
        "summary": description or None,
        "attributedTo": author.uri,
        "url": page_url,
        "discoverable": author.discoverable,
        "sensitive": False,
        "published": iso(published),
        "totalItems": len(ordered),
        "orderedItems": ordered,
    }
    if updated is not None and updated > published:
        collection["updated"] = iso(updated)
    if image_url:
        collection["image"] = {"type": "Image", "url": image_url}
    if with_context:
        collection = {"@context": SERIES_CONTEXT, **collection}
    return collection


def series_id(author: Account, series_pk: int) -> str:
    """A series' ActivityPub id, under the artist's ``featuredCollections``."""
    return f"{author.uri}/featured_collections/{series_pk}"


async def series_document(series, author: Account, media_url: MediaUrl, *, with_context: bool = True) -> dict[str, Any]:
    """The FeaturedCollection of a series (``fediserver.models.portfolio.Series``): its
    items are the artist's posts anyone may read, in the series' order (two queries)."""
    from fediserver.models.portfolio import SeriesWork
    from fediserver.visibility import visible_posts

    from tortoise.expressions import Subquery

    public = Subquery(visible_posts(None).filter(account_id=author.pk).values("id"))
    entries = await SeriesWork.filter(series_id=series.pk, post_id__in=public).order_by("position", "id").select_related("post")
    cover = None
    if entries:
        first = await MediaAttachment.filter(post_id=entries[0].post_id).order_by("id").first()
        cover = media_url(first) if first is not None else None
    return featured_collection(
        series_id(author, series.pk),
        f"{author.url or author.uri}/series/{series.slug}",
        author,
        title=series.title,
        description=series.description,
        published=series.created_at,
        updated=series.updated_at,
        items=[(entry.pk, entry.post.uri, entry.added_at) for entry in entries],
        image_url=cover,
        with_context=with_context,
    )
