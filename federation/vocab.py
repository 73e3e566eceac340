"""Parsing the ActivityStreams documents other servers send us into typed values.

``parse_actor``, ``parse_object``, ``parse_activity`` and ``parse_document`` turn received
JSON into the frozen dataclasses of ``federation.vocab_types`` (re-exported here),
tolerant of the shapes real servers use (see ``federation.jsonld``). A document that
cannot be used raises ``VocabError`` saying why; nothing else escapes. Content objects
(Notes and their kin) are read by ``federation.vocab_content``. ``origin`` and
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
    LinkRef,
    Mention,
    PollChoices,
    PropertyValue,
    PublicKey,
    QuotePolicy,
    Tag,
)
from federation.vocab_content import SCHEMA, TOOT, optional_url, parse_content, required_url

__all__ = [
    "ACTIVITY_TYPES", "ACTOR_TYPES", "CONTENT_TYPES", "Activity", "Actor", "Attachment",
    "ContentObject", "Emoji", "Hashtag", "LinkRef", "Mention", "PollChoices", "PropertyValue", "PublicKey",
    "QuotePolicy", "Tag",
    "origin", "parse_activity", "parse_actor", "parse_document", "parse_object", "same_origin",
]

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
    return parse_content(document, kind)


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
    return parse_content(document, _primary_type(document))


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


def _actor(document: Document, kind: str) -> Actor:
    what = f"{kind} actor"
    actor_id = required_url("id", document.data.get("id"), what)
    what = f"{kind} actor {actor_id}"
    endpoints = document.get("endpoints")
    shared_inbox = endpoints.get("sharedInbox") if isinstance(endpoints, Mapping) else None
    return Actor(
        id=actor_id,
        type=kind,
        inbox=required_url("inbox", document.get("inbox", "http://www.w3.org/ns/ldp#"),
                            what),
        preferred_username=jsonld.text(document.get("preferredUsername")),
        name=jsonld.language_text(document, "name"),
        summary=jsonld.language_text(document, "summary"),
        outbox=optional_url(document.get("outbox")),
        shared_inbox=optional_url(shared_inbox),
        followers=optional_url(document.get("followers")),
        following=optional_url(document.get("following")),
        featured=optional_url(document.get("featured", TOOT)),
        url=jsonld.link_url(document.get("url")),
        icon_url=jsonld.image_url(document.get("icon")),
        image_url=jsonld.image_url(document.get("image")),
        public_key=_public_key(document),
        manually_approves_followers=bool(jsonld.as_bool(document.get("manuallyApprovesFollowers"))),
        discoverable=jsonld.as_bool(document.get("discoverable", TOOT)),
        indexable=jsonld.as_bool(document.get("indexable", TOOT)),
        published=jsonld.as_datetime(document.get("published")),
        fields=_property_values(document),
        also_known_as=tuple(u for u in jsonld.ref_ids(document.get("alsoKnownAs"))
                            if jsonld.is_http_url(u)),
        moved_to=optional_url(document.get("movedTo")),
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
        name, value = item.get("name"), child.get("value", SCHEMA)
        if "PropertyValue" in jsonld.types_of(child) and isinstance(name, str) \
                and isinstance(value, str):
            fields.append(PropertyValue(name=name, value=value))
    return tuple(fields)


def _activity(document: Document, kind: str, depth: int) -> Activity:
    raw_id = document.data.get("id")
    activity_id = None if raw_id is None else required_url("id", raw_id, kind)
    what = f"{kind} activity {activity_id or '(without id)'}"
    actor = required_url("actor", document.get("actor"), what)
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
        instrument_id=optional_url(document.get("instrument")),
        instrument=_embedded_content(document, document.get("instrument")),
        result=optional_url(document.get("result")),
    )


def _embedded_content(document: Document, value: Any) -> ContentObject | None:
    """A content object embedded in ``value`` (a QuoteRequest's instrument), else None."""
    embedded = next(jsonld.iter_objects(value), None)
    if embedded is None:
        return None
    child = document.child(embedded)
    kind = next((t for t in jsonld.types_of(child) if t in CONTENT_TYPES), None)
    if kind is None:
        return None
    try:
        return parse_content(child, kind)
    except VocabError:
        return None


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
            return parse_content(child, kind)
    except _NestedTooDeep:
        raise
    except VocabError:
        return None
    return None
