"""Parsing the ActivityStreams documents other servers send us into typed values.

``parse_actor``, ``parse_object``, ``parse_activity`` and ``parse_document`` turn received
JSON into the frozen dataclasses of ``federation.vocab_types`` (re-exported here),
tolerant of the shapes real servers use (see ``federation.jsonld``). A document that
cannot be used raises ``VocabError`` saying why; nothing else escapes. ``origin`` and
``same_origin`` compare where ids come from. Building what we send is not this module's job.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from federation import jsonld
from federation.errors import VocabError
from federation.jsonld import Document
from federation.vocab_types import (
    ACTIVITY_TYPES,
    ACTOR_TYPES,
    CONTENT_TYPES,
    Activity,
    Actor,
    Attachment,
    ContentObject,
    Emoji,
    Hashtag,
    Mention,
    PropertyValue,
    PublicKey,
    Tag,
)

__all__ = [
    "ACTIVITY_TYPES", "ACTOR_TYPES", "CONTENT_TYPES", "Activity", "Actor", "Attachment",
    "ContentObject", "Emoji", "Hashtag", "Mention", "PropertyValue", "PublicKey", "Tag",
    "origin", "parse_activity", "parse_actor", "parse_document", "parse_object", "same_origin",
]

_TOOT = "http://joinmastodon.org/ns#"
_SCHEMA = "http://schema.org#"
_SECURITY = "https://w3id.org/security#"
_MAX_NESTING = 6
_KNOWN_TYPES = ACTOR_TYPES | CONTENT_TYPES | ACTIVITY_TYPES


class _NestedTooDeep(VocabError):
    """Raised through every level, unlike other errors in embedded objects."""


def origin(url: str) -> str:
    """``scheme://host[:port]`` of an http(s) URL, lower-cased, default port left out."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except (ValueError, TypeError, AttributeError) as error:
        raise VocabError(f"{url!r} is not a valid URL") from error
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise VocabError(f"{url!r} is not an absolute http(s) URL")
    default = {"http": 80, "https": 443}[parts.scheme]
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    return f"{parts.scheme}://{host}" + (f":{port}" if port not in (None, default) else "")


def same_origin(a: str, b: str) -> bool:
    """True when both are http(s) URLs with the same scheme, host and port."""
    try:
        return origin(a) == origin(b)
    except VocabError:
        return False


def parse_document(doc: Any) -> Actor | Activity | ContentObject:
    """Parse any supported document, choosing the kind by its type."""
    document = _document(doc)
    kind = _primary_type(document)
    if kind in ACTOR_TYPES:
        return _actor(document, kind)
    if kind in ACTIVITY_TYPES:
        return _activity(document, kind, depth=0)
    return _content(document, kind)


def parse_actor(doc: Any) -> Actor:
    """Parse an actor (Person, Service, Application, Group, Organization)."""
    document = _document(doc)
    kind = _primary_type(document)
    if kind not in ACTOR_TYPES:
        raise VocabError(f"type {kind!r} is not an actor type")
    return _actor(document, kind)


def parse_object(doc: Any) -> ContentObject:
    """Parse a content object (Note, Article, Page, Question, Image, Video, Event, ...)."""
    document = _document(doc)
    return _content(document, _primary_type(document))


def parse_activity(doc: Any) -> Activity:
    """Parse an activity (Create, Follow, Undo, ...) with its embedded object, if any."""
    document = _document(doc)
    kind = _primary_type(document)
    if kind not in ACTIVITY_TYPES:
        raise VocabError(f"type {kind!r} is not a supported activity type")
    return _activity(document, kind, depth=0)


def _document(doc: Any) -> Document:
    if not isinstance(doc, Mapping):
        raise VocabError(f"expected a JSON object, got {type(doc).__name__}")
    return Document(doc)


def _primary_type(document: Document) -> str:
    types = jsonld.types_of(document)
    if not types:
        raise VocabError("document has no type")
    return next((t for t in types if t in _KNOWN_TYPES), types[0])


def _required_url(name: str, value: Any, what: str) -> str:
    url = jsonld.ref_id(value)
    if url is None:
        raise VocabError(f"{what} has no {name}")
    if not jsonld.is_http_url(url):
        raise VocabError(f"{what} has {name} {url!r}, which is not an http(s) URL")
    return url


def _optional_url(value: Any) -> str | None:
    url = jsonld.ref_id(value)
    return url if jsonld.is_http_url(url) else None


def _actor(document: Document, kind: str) -> Actor:
    what = f"{kind} actor"
    actor_id = _required_url("id", document.data.get("id"), what)
    what = f"{kind} actor {actor_id}"
    endpoints = document.get("endpoints")
    shared_inbox = endpoints.get("sharedInbox") if isinstance(endpoints, Mapping) else None
    return Actor(
        id=actor_id,
        type=kind,
        inbox=_required_url("inbox", document.get("inbox", "http://www.w3.org/ns/ldp#"),
                            what),
        preferred_username=jsonld.text(document.get("preferredUsername")),
        name=jsonld.language_text(document, "name"),
        summary=jsonld.language_text(document, "summary"),
        outbox=_optional_url(document.get("outbox")),
        shared_inbox=_optional_url(shared_inbox),
        followers=_optional_url(document.get("followers")),
        following=_optional_url(document.get("following")),
        featured=_optional_url(document.get("featured", _TOOT)),
        url=jsonld.link_url(document.get("url")),
        icon_url=jsonld.image_url(document.get("icon")),
        image_url=jsonld.image_url(document.get("image")),
        public_key=_public_key(document),
        manually_approves_followers=bool(jsonld.as_bool(document.get("manuallyApprovesFollowers"))),
        discoverable=jsonld.as_bool(document.get("discoverable", _TOOT)),
        indexable=jsonld.as_bool(document.get("indexable", _TOOT)),
        published=jsonld.as_datetime(document.get("published")),
        fields=_property_values(document),
        also_known_as=tuple(u for u in jsonld.ref_ids(document.get("alsoKnownAs"))
                            if jsonld.is_http_url(u)),
        moved_to=_optional_url(document.get("movedTo")),
    )


def _public_key(document: Document) -> PublicKey | None:
    """The first key with a PEM; several keys may be listed, some only as ids."""
    for key in jsonld.iter_objects(document.get("publicKey", _SECURITY)):
        pem = key.get("publicKeyPem")
        key_id = key.get("id")
        if isinstance(pem, str) and isinstance(key_id, str) and key_id:
            return PublicKey(id=key_id, owner=jsonld.ref_id(key.get("owner")), pem=pem)
    return None


def _property_values(document: Document) -> tuple[PropertyValue, ...]:
    fields = []
    for item in jsonld.iter_objects(document.get("attachment")):
        child = document.child(item)
        name, value = item.get("name"), child.get("value", _SCHEMA)
        if "PropertyValue" in jsonld.types_of(child) and isinstance(name, str) \
                and isinstance(value, str):
            fields.append(PropertyValue(name=name, value=value))
    return tuple(fields)


def _content(document: Document, kind: str) -> ContentObject:
    if kind not in CONTENT_TYPES:
        raise VocabError(f"type {kind!r} is not a supported object type")
    object_id = _required_url("id", document.data.get("id"), f"{kind} object")
    return ContentObject(
        id=object_id,
        type=kind,
        attributed_to=_attributed_to(document),
        name=jsonld.language_text(document, "name"),
        content=jsonld.language_text(document, "content"),
        summary=jsonld.language_text(document, "summary"),
        sensitive=bool(jsonld.as_bool(document.get("sensitive"))),
        in_reply_to=_optional_url(document.get("inReplyTo")),
        published=jsonld.as_datetime(document.get("published")),
        updated=jsonld.as_datetime(document.get("updated")),
        to=jsonld.normalize_audience(document, document.get("to")),
        cc=jsonld.normalize_audience(document, document.get("cc")),
        url=jsonld.link_url(document.get("url")),
        attachments=_attachments(document),
        tags=_tags(document),
        license=_license(document),
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


def _attachments(document: Document) -> tuple[Attachment, ...]:
    attachments = []
    for item in jsonld.iter_objects(document.get("attachment")):
        child = document.child(item)
        kinds = jsonld.types_of(child)
        if "PropertyValue" in kinds:
            continue
        url = jsonld.link_url(item.get("url", item.get("href")))
        if url is None:
            continue
        media_type = item.get("mediaType")
        attachments.append(Attachment(
            url=url,
            type=kinds[0] if kinds else None,
            media_type=media_type if isinstance(media_type, str) else
            jsonld.media_type_of(item.get("url")),
            name=jsonld.language_text(child, "name"),
            width=jsonld.as_int(item.get("width")),
            height=jsonld.as_int(item.get("height")),
            blurhash=jsonld.text(child.get("blurhash", _TOOT)),
            focal_point=_focal_point(child.get("focalPoint", _TOOT)),
        ))
    return tuple(attachments)


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
                tags.append(Emoji(name=name, icon_url=icon, id=_optional_url(item.get("id"))))
    return tuple(tags)


def _license(document: Document) -> str | None:
    """A licence IRI or name, from ``license`` written any of the usual ways."""
    value = document.get("license", _SCHEMA)
    if isinstance(value, str):
        return value or None
    for item in jsonld.iter_objects(value):
        found = jsonld.ref_id(item) or jsonld.text(item.get("name"))
        if found:
            return found
    return None


def _activity(document: Document, kind: str, depth: int) -> Activity:
    raw_id = document.data.get("id")
    activity_id = None if raw_id is None else _required_url("id", raw_id, kind)
    what = f"{kind} activity {activity_id or '(without id)'}"
    actor = _required_url("actor", document.get("actor"), what)
    raw_object = document.get("object")
    object_ids = tuple(jsonld.ref_ids(raw_object))
    return Activity(
        id=activity_id,
        type=kind,
        actor=actor,
        object_id=object_ids[0] if object_ids else None,
        object=_embedded(document, raw_object, depth, what),
        object_ids=object_ids,
        target=jsonld.ref_id(document.get("target")),
        to=jsonld.normalize_audience(document, document.get("to")),
        cc=jsonld.normalize_audience(document, document.get("cc")),
        published=jsonld.as_datetime(document.get("published")),
    )


def _embedded(document: Document, raw_object: Any, depth: int,
              what: str) -> Actor | ContentObject | Activity | None:
    """The embedded object typed, or None for a bare IRI, a type we do not model, or a
    partial copy we cannot use (a Delete often embeds a bare-bones actor): callers then
    go by ``object_id`` and fetch the authoritative copy from its origin."""
    embedded = next(jsonld.iter_objects(raw_object), None)
    if embedded is None or len(jsonld.as_list(raw_object)) != 1:
        return None
    if depth >= _MAX_NESTING:
        raise _NestedTooDeep(f"{what} nests objects more than {_MAX_NESTING} levels deep")
    child = document.child(embedded)
    types = jsonld.types_of(child)
    kind = next((t for t in types if t in _KNOWN_TYPES), None)
    try:
        if kind in ACTOR_TYPES:
            return _actor(child, kind)
        if kind in ACTIVITY_TYPES:
            return _activity(child, kind, depth + 1)
        if kind in CONTENT_TYPES:
            return _content(child, kind)
    except _NestedTooDeep:
        raise
    except VocabError:
        return None
    return None
