"""Reading ActivityStreams JSON the way real servers write it, without a JSON-LD processor.

Servers disagree on shapes: one value or an array, a bare IRI or an embedded object or a
Link, ``as:Public`` or the full IRI, properties under their short name or a compact IRI
defined in the document's own ``@context``. These functions turn each of those shapes into
plain Python values and never raise on odd input: unusable values become None or empty.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

AS_NAMESPACE = "https://www.w3.org/ns/activitystreams#"
PUBLIC = AS_NAMESPACE + "Public"
_PUBLIC_FORMS = frozenset({PUBLIC, "as:Public", "Public"})
# Prefixes the ActivityStreams and Mastodon contexts define, for documents using them bare.
_KNOWN_PREFIXES = {
    "as": AS_NAMESPACE,
    "ldp": "http://www.w3.org/ns/ldp#",
    "toot": "http://joinmastodon.org/ns#",
    "schema": "http://schema.org#",
    "sec": "https://w3id.org/security#",
}


def _context_terms(context: Any) -> dict[str, str]:
    """Terms and prefixes a document's ``@context`` defines, mapped to their IRIs."""
    terms: dict[str, str] = dict(_KNOWN_PREFIXES)
    for entry in as_list(context):
        if not isinstance(entry, Mapping):
            continue
        for term, definition in entry.items():
            if isinstance(definition, Mapping):
                definition = definition.get("@id")
            if isinstance(term, str) and isinstance(definition, str):
                terms[term] = definition
    return terms


def _expand(term: str, terms: Mapping[str, str]) -> str:
    """A term or compact IRI as a full IRI (one level of prefix expansion each)."""
    term = terms.get(term, term)
    prefix, colon, rest = term.partition(":")
    if colon and not rest.startswith("//") and prefix in terms:
        return terms[prefix] + rest
    return term


class Document:
    """A received JSON object whose properties can be read by short name or full IRI."""

    def __init__(self, data: Mapping[str, Any], context: Any = None) -> None:
        self.data = data
        self.context = data.get("@context", context)
        self.terms = _context_terms(self.context)
        self._by_iri: dict[str, Any] = {}
        for key, value in data.items():
            if isinstance(key, str) and ":" in key and not key.startswith("@"):
                self._by_iri.setdefault(_expand(key, self.terms), value)

    def get(self, name: str, namespace: str = AS_NAMESPACE) -> Any:
        """The value of property ``name``, also when written as a compact IRI."""
        if name in self.data:
            return self.data[name]
        return self._by_iri.get(namespace + name)

    def expand(self, value: Any) -> str | None:
        """A string value with a compact-IRI prefix expanded (``as:Public`` -> full IRI)."""
        return _expand(value, self.terms) if isinstance(value, str) else None

    def child(self, value: Mapping[str, Any]) -> Document:
        """An embedded object, read with this document's context unless it has its own."""
        return Document(value, self.context)


def as_list(value: Any) -> list[Any]:
    """None -> [], a list -> itself, anything else -> a one-element list."""
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def text(value: Any) -> str | None:
    """A plain string value (the first string of an array), else None."""
    for item in as_list(value):
        if isinstance(item, str):
            return item
    return None


def language_text(document: Document, name: str) -> str | None:
    """``name`` (e.g. content), or the first value of ``nameMap`` when only that is given."""
    value = text(document.get(name))
    if value is not None:
        return value
    language_map = document.get(name + "Map")
    if isinstance(language_map, Mapping):
        return next((v for v in language_map.values() if isinstance(v, str)), None)
    return None


def ref_ids(value: Any) -> list[str]:
    """The ids of every reference in ``value``: IRIs, objects with ``id``, Links' ``href``."""
    ids = []
    for item in as_list(value):
        if isinstance(item, str) and item:
            ids.append(item)
        elif isinstance(item, Mapping):
            found = item.get("id", item.get("@id", item.get("href")))
            if isinstance(found, str) and found:
                ids.append(found)
    return ids


def ref_id(value: Any) -> str | None:
    """The id of the first reference in ``value``, or None."""
    return next(iter(ref_ids(value)), None)


def iter_objects(value: Any) -> Iterator[Mapping[str, Any]]:
    """The embedded objects in ``value``, skipping bare IRIs and other scalars."""
    return (item for item in as_list(value) if isinstance(item, Mapping))


def link_url(value: Any) -> str | None:
    """The best http(s) URL among ``value``'s strings and Links, preferring text/html.

    Other schemes (javascript:, data:, at://) are dropped: these URLs end up in links and
    image sources on our pages."""
    candidates: list[tuple[int, str]] = []
    for item in as_list(value):
        if isinstance(item, str):
            candidates.append((1, item))
        elif isinstance(item, Mapping):
            href = text(item.get("href", item.get("url", item.get("id"))))
            if href:
                html = item.get("mediaType", item.get("mimeType")) == "text/html"  # Funkwhale: mimeType
                candidates.append((0 if html else 1, href))
    web = [(rank, url) for rank, url in candidates if is_http_url(url)]
    return min(web, key=lambda c: c[0], default=(0, None))[1]


def media_type_of(value: Any) -> str | None:
    """``mediaType`` of the first Link in ``value`` that declares one."""
    for item in iter_objects(value):
        if isinstance(item.get("mediaType"), str):
            return item["mediaType"]
    return None


def image_url(value: Any) -> str | None:
    """The http(s) URL of an icon/image: an IRI, an Image object, or an array of them."""
    for item in as_list(value):
        if is_http_url(item):
            return item
        if isinstance(item, Mapping):
            found = link_url(item.get("url", item.get("href")))
            if found:
                return found
    return None


def as_bool(value: Any) -> bool | None:
    """A JSON boolean (or the strings "true"/"false"), else None."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    return None


def as_int(value: Any) -> int | None:
    """A non-negative integer given as a number or digits, else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, float) and value.is_integer() and value >= 0:
        return int(value)
    if isinstance(value, int) and value >= 0:
        return value
    if isinstance(value, str) and value.isdigit() and len(value) < 12:
        return int(value)
    return None


def as_datetime(value: Any) -> datetime | None:
    """An ISO 8601 timestamp as an aware datetime (UTC when no offset is given), else None."""
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def is_http_url(value: Any) -> bool:
    """True for an absolute http(s) URL with a host."""
    if not isinstance(value, str):
        return False
    try:
        parts = urlsplit(value)
        return parts.scheme in ("http", "https") and bool(parts.hostname)
    except ValueError:
        return False


def normalize_audience(document: Document, value: Any) -> tuple[str, ...]:
    """Addressees as ids, with every spelling of the public collection turned into PUBLIC."""
    addressees = []
    for address in ref_ids(value):
        expanded = document.expand(address) or address
        addressees.append(PUBLIC if address in _PUBLIC_FORMS or expanded == PUBLIC else address)
    return tuple(dict.fromkeys(addressees))


def types_of(document: Document) -> tuple[str, ...]:
    """The object's types, with ActivityStreams ones given by their short name."""
    found = []
    for value in as_list(document.data.get("type", document.data.get("@type"))):
        if isinstance(value, str):
            expanded = document.expand(value) or value
            found.append(expanded.removeprefix(AS_NAMESPACE)
                         if expanded.startswith(AS_NAMESPACE) else value)
    return tuple(found)
