"""WebFinger client: from a handle like ``artist@collective.example`` to an actor URL.

``parse_acct`` reads handles and ``acct:`` resources, ``parse_jrd`` reads a JSON Resource
Descriptor as servers really send it, and ``resolve_handle`` asks the handle's host over
the guarded ``SafeHttpClient`` and returns the ActivityPub ``self`` link. Serving our own
WebFinger documents is done by the web application, not here.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from federation.errors import WebFingerError
from federation.http_client import SafeHttpClient
from federation.jsonld import as_list, is_http_url

JRD_ACCEPT = "application/jrd+json, application/json;q=0.9"
ACTIVITYPUB_MEDIA_TYPES = frozenset({"application/activity+json", "application/ld+json"})
# A DNS name or IPv4 address, or a bracketed IPv6 address, then an optional port.
_HOST = re.compile(r"^(?:[a-z0-9](?:[a-z0-9._-]*[a-z0-9])?|\[[0-9a-f:.]+\])(?::(\d{1,5}))?$")
_USERNAME = re.compile(r"^[^\s@/?#:]+$")


@dataclass(frozen=True)
class Acct:
    """An account handle: ``username@host``, the host possibly with a port."""

    username: str
    host: str

    @property
    def resource(self) -> str:
        return f"acct:{self.username}@{self.host}"

    def __str__(self) -> str:
        return f"{self.username}@{self.host}"


@dataclass(frozen=True)
class JrdLink:
    rel: str
    type: str | None = None
    href: str | None = None
    template: str | None = None


@dataclass(frozen=True)
class Jrd:
    """A WebFinger answer: the subject, its aliases and its links."""

    subject: str | None
    aliases: tuple[str, ...]
    links: tuple[JrdLink, ...]

    def actor_url(self) -> str | None:
        """The ActivityPub actor: the first ``self`` link with an ActivityPub media type."""
        for link in self.links:
            media_type = (link.type or "").split(";")[0].strip().lower()
            if link.rel == "self" and media_type in ACTIVITYPUB_MEDIA_TYPES and link.href:
                return link.href
        return None


def parse_acct(handle: str) -> Acct:
    """Read ``acct:user@host[:port]``, ``user@host`` or ``@user@host``; host lower-cased."""
    if not isinstance(handle, str):
        raise WebFingerError(f"a handle must be text, not {type(handle).__name__}")
    text = handle.strip()
    text = text[len("acct:"):] if text.lower().startswith("acct:") else text.removeprefix("@")
    username, at, host = text.rpartition("@")
    try:
        host = host.encode("idna").decode("ascii").lower() if not host.isascii() else host.lower()
    except UnicodeError as error:
        raise WebFingerError(f"{handle!r} does not have a valid host") from error
    if not at or not _USERNAME.match(username):
        raise WebFingerError(f"{handle!r} is not a handle of the form user@host")
    match = _HOST.match(host)
    if not match or ".." in host or (match.group(1) and not 0 < int(match.group(1)) < 65536):
        raise WebFingerError(f"{handle!r} does not have a valid host")
    return Acct(username=username, host=host)


def parse_jrd(document: bytes | str | Mapping[str, Any]) -> Jrd:
    """Read a JRD, skipping malformed links; raises WebFingerError if it is not one."""
    if isinstance(document, bytes | str):
        try:
            document = json.loads(document)
        except (ValueError, RecursionError) as error:
            raise WebFingerError(f"WebFinger answer is not JSON: {error}") from error
    if not isinstance(document, Mapping):
        raise WebFingerError("WebFinger answer is not a JSON object")
    subject = document.get("subject")
    links = []
    for link in as_list(document.get("links")):
        if not isinstance(link, Mapping) or not isinstance(link.get("rel"), str):
            continue
        href = link.get("href")
        links.append(JrdLink(
            rel=link["rel"],
            type=link["type"] if isinstance(link.get("type"), str) else None,
            href=href if is_http_url(href) else None,
            template=link["template"] if isinstance(link.get("template"), str) else None,
        ))
    return Jrd(
        subject=subject if isinstance(subject, str) else None,
        aliases=tuple(a for a in as_list(document.get("aliases")) if isinstance(a, str)),
        links=tuple(links),
    )


def webfinger_url(acct: Acct, scheme: str = "https") -> str:
    """The URL to ask for ``acct``'s WebFinger document."""
    if scheme not in ("http", "https"):
        raise WebFingerError(f"WebFinger scheme must be http or https, not {scheme!r}")
    return f"{scheme}://{acct.host}/.well-known/webfinger?resource={quote(acct.resource, safe='')}"


async def resolve_handle(client: SafeHttpClient, handle: str, scheme: str = "https") -> str:
    """The actor URL for ``handle``; raises WebFingerError, or FetchError on network trouble."""
    acct = parse_acct(handle)
    response = await client.get(webfinger_url(acct, scheme), accept=JRD_ACCEPT)
    if response.status != 200:
        raise WebFingerError(f"WebFinger for {acct} answered HTTP {response.status}")
    actor_url = parse_jrd(response.body).actor_url()
    if actor_url is None:
        raise WebFingerError(f"WebFinger for {acct} names no ActivityPub actor")
    return actor_url
