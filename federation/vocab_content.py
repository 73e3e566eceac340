"""Parsing content objects: Notes and their kin, with attachments, tags, quotes and links.

``parse_content`` turns a Note, Article, Page, Question, Image, Audio, Video, Event (and
the Tombstones and chat messages some servers send) into a ``ContentObject``. It reads
what a server needs to show the post as Mastodon would: the media attachments with their
declared type (``mediaType``, or Funkwhale's ``mimeType``), ``Link`` attachments kept
apart as links (never as media), the audio and video files an Audio or Video object
offers in its ``url`` (PeerTube nests them in its HLS link), the quoted post under each
of its spellings (FEP-044f ``quote``, ``quoteUrl``, Fedibird's ``quoteUri``, Misskey's
``_misskey_quote``), the quote's authorization, and who may quote it
(``interactionPolicy.canQuote``). ``federation.vocab`` dispatches here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from federation import jsonld
from federation.errors import VocabError
from federation.jsonld import Document
from federation.vocab_types import (
    CONTENT_TYPES,
    Attachment,
    ContentObject,
    Emoji,
    Hashtag,
    LinkRef,
    Mention,
    PollChoices,
    QuotePolicy,
    Tag,
)

TOOT = "http://joinmastodon.org/ns#"
SCHEMA = "http://schema.org#"
FEP_044F = "https://w3id.org/fep/044f#"
FEDIBIRD = "http://fedibird.com/ns#"
MISSKEY = "https://misskey-hub.net/ns#"
GOTOSOCIAL = "https://gotosocial.org/ns#"
# The quoted post, in the order of precedence Mastodon reads them.
_QUOTE_PROPERTIES = (("quote", FEP_044F), ("_misskey_quote", MISSKEY), ("quoteUrl", jsonld.AS_NAMESPACE),
                     ("quoteUri", FEDIBIRD))
_MEDIA_PREFIXES = ("audio/", "video/")


def required_url(name: str, value: Any, what: str) -> str:
    url = jsonld.ref_id(value)
    if url is None:
        raise VocabError(f"{what} has no {name}")
    if not jsonld.is_http_url(url):
        raise VocabError(f"{what} has {name} {url!r}, which is not an http(s) URL")
    return url


def optional_url(value: Any) -> str | None:
    url = jsonld.ref_id(value)
    return url if jsonld.is_http_url(url) else None


def parse_content(document: Document, kind: str) -> ContentObject:
    if kind not in CONTENT_TYPES:
        raise VocabError(f"type {kind!r} is not a supported object type")
    object_id = required_url("id", document.data.get("id"), f"{kind} object")
    attachments, links = _attachments(document)
    return ContentObject(
        id=object_id,
        type=kind,
        attributed_to=_attributed_to(document),
        name=jsonld.language_text(document, "name"),
        content=jsonld.language_text(document, "content"),
        summary=jsonld.language_text(document, "summary"),
        sensitive=bool(jsonld.as_bool(document.get("sensitive"))),
        in_reply_to=optional_url(document.get("inReplyTo")),
        published=jsonld.as_datetime(document.get("published")),
        updated=jsonld.as_datetime(document.get("updated")),
        to=jsonld.normalize_audience(document, document.get("to")),
        cc=jsonld.normalize_audience(document, document.get("cc")),
        url=jsonld.link_url(document.get("url")),
        attachments=attachments,
        links=links,
        media_files=_media_files(document) if kind in ("Audio", "Video") else (),
        tags=_tags(document),
        license=_license(document),
        quote=_quote(document),
        quote_authorization=optional_url(document.get("quoteAuthorization", FEP_044F)),
        quote_policy=_quote_policy(document),
        replies=optional_url(document.get("replies")),
        poll=_poll(document) if kind == "Question" else None,
    )


MAX_POLL_OPTIONS = 20


def _poll(document: Document) -> PollChoices | None:
    """The options of a Question (``oneOf``, or ``anyOf`` for several answers), each with
    its count; None when it offers no option with a name."""
    multiple = document.get("anyOf") is not None and document.get("oneOf") is None
    options: list[tuple[str, int]] = []
    for item in jsonld.iter_objects(document.get("anyOf" if multiple else "oneOf")):
        title = jsonld.language_text(document.child(item), "name")
        if not title or len(options) >= MAX_POLL_OPTIONS:
            continue
        replies = item.get("replies")
        count = jsonld.as_int(replies.get("totalItems")) if isinstance(replies, Mapping) else None
        options.append((title[:500], max(count or 0, 0)))
    if not options:
        return None
    closed = document.get("closed")
    voters = jsonld.as_int(document.get("votersCount", TOOT))
    return PollChoices(
        options=tuple(options),
        multiple=multiple,
        end_time=jsonld.as_datetime(document.get("endTime")),
        closed=jsonld.as_datetime(closed) or (jsonld.as_datetime(document.get("endTime")) if closed is True else None),
        voters_count=max(voters, 0) if voters is not None else None,
    )


def _attributed_to(document: Document) -> tuple[str, ...]:
    """Actor ids in ``attributedTo``: persons first, then groups and the rest."""
    entries = jsonld.as_list(document.get("attributedTo"))
    persons, others = [], []
    for entry in entries:
        entry_id = jsonld.ref_id(entry)
        if not jsonld.is_http_url(entry_id):
            continue
        is_group = isinstance(entry, Mapping) and "Group" in jsonld.types_of(document.child(entry))
        (others if is_group else persons).append(entry_id)
    return tuple(dict.fromkeys(persons + others))


def _declared_media_type(item: Mapping[str, Any]) -> str | None:
    """``mediaType``, or Funkwhale's ``mimeType``, lower-cased without parameters."""
    for name in ("mediaType", "mimeType"):
        value = item.get(name)
        if isinstance(value, str) and value.strip():
            return value.split(";")[0].strip().lower()
    return None


def _attachments(document: Document) -> tuple[tuple[Attachment, ...], tuple[LinkRef, ...]]:
    """Media attachments, and the ``Link`` attachments (and web pages) kept apart as links."""
    attachments: list[Attachment] = []
    links: list[LinkRef] = []
    for item in jsonld.iter_objects(document.get("attachment")):
        child = document.child(item)
        kinds = jsonld.types_of(child)
        if "PropertyValue" in kinds:
            continue
        media_type = _declared_media_type(item) or _declared_media_type(
            next(jsonld.iter_objects(item.get("url")), {}))
        if "Link" in kinds or media_type == "text/html":
            href = jsonld.link_url(item.get("href", item.get("url")))
            if href:
                links.append(LinkRef(href=href, name=jsonld.language_text(child, "name"), media_type=media_type))
            continue
        url = jsonld.link_url(item.get("url", item.get("href")))
        if url is None:
            continue
        attachments.append(Attachment(
            url=url,
            type=kinds[0] if kinds else None,
            media_type=media_type,
            name=jsonld.language_text(child, "name") or jsonld.language_text(child, "summary"),
            width=jsonld.as_int(item.get("width")),
            height=jsonld.as_int(item.get("height")),
            blurhash=jsonld.text(child.get("blurhash", TOOT)),
            focal_point=_focal_point(child.get("focalPoint", TOOT)),
        ))
    return tuple(attachments), tuple(links)


def _media_files(document: Document) -> tuple[Attachment, ...]:
    """The audio and video files an Audio or Video object offers in ``url``, nested Links
    included (PeerTube lists its MP4 files inside the HLS playlist's ``tag``)."""
    files: list[Attachment] = []

    def visit(value: Any, depth: int) -> None:
        for item in jsonld.iter_objects(value):
            media_type = _declared_media_type(item)
            href = jsonld.text(item.get("href", item.get("url")))
            if media_type and media_type.startswith(_MEDIA_PREFIXES) and jsonld.is_http_url(href):
                files.append(Attachment(
                    url=href, type="Link", media_type=media_type,
                    width=jsonld.as_int(item.get("width")), height=jsonld.as_int(item.get("height")),
                    size=jsonld.as_int(item.get("size")),
                ))
            if depth < 2:
                visit(item.get("tag"), depth + 1)

    visit(document.get("url"), 0)
    return tuple(files)


def _focal_point(value: Any) -> tuple[float, float] | None:
    if (isinstance(value, list) and len(value) == 2
            and all(isinstance(v, int | float) and not isinstance(v, bool) for v in value)
            and all(-1.0 <= v <= 1.0 for v in value)):
        return (float(value[0]), float(value[1]))
    return None


def _tags(document: Document) -> tuple[Tag, ...]:
    tags: list[Tag] = []
    for item in jsonld.iter_objects(document.get("tag")):
        child = document.child(item)
        kinds = jsonld.types_of(child)
        name = jsonld.text(item.get("name"))
        href = item.get("href")
        href = href if jsonld.is_http_url(href) else None
        if "Mention" in kinds and href:
            tags.append(Mention(href=href, name=name))
        elif "Hashtag" in kinds and name:
            tags.append(Hashtag(name=name, href=href))
        elif "Emoji" in kinds and name:
            icon = jsonld.image_url(item.get("icon"))
            if icon:
                tags.append(Emoji(name=name, icon_url=icon, id=optional_url(item.get("id"))))
    return tuple(tags)


def _license(document: Document) -> str | None:
    """A licence IRI or name, from ``license`` written any of the usual ways."""
    value = document.get("license", SCHEMA)
    if isinstance(value, str):
        return value or None
    for item in jsonld.iter_objects(value):
        found = jsonld.ref_id(item) or jsonld.text(item.get("name"))
        if found:
            return found
    return None


def _quote(document: Document) -> str | None:
    """The quoted post's id, whichever spelling the server uses."""
    for name, namespace in _QUOTE_PROPERTIES:
        url = optional_url(document.get(name, namespace))
        if url:
            return url
    return None


def _quote_policy(document: Document) -> QuotePolicy | None:
    """``interactionPolicy.canQuote``: who may quote automatically, and who after review."""
    policy = document.get("interactionPolicy", GOTOSOCIAL)
    if not isinstance(policy, Mapping):
        return None
    policy_document = document.child(policy)
    can_quote = policy_document.get("canQuote", GOTOSOCIAL)
    if not isinstance(can_quote, Mapping):
        return None
    rule = policy_document.child(can_quote)

    def audience(name: str) -> tuple[str, ...]:
        return jsonld.normalize_audience(rule, rule.get(name, GOTOSOCIAL))

    # GoToSocial's older spellings: "always" for automatic, "approvalRequired" for manual.
    return QuotePolicy(
        automatic=tuple(dict.fromkeys(audience("automaticApproval") + audience("always"))),
        manual=tuple(dict.fromkeys(audience("manualApproval") + audience("approvalRequired"))),
    )
