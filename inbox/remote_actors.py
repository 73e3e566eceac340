"""Remote actors and their keys: fetched, checked, and kept as ``Account`` rows.

``RemoteActors.fetch_actor`` reads an actor document through the given fetch function
(the server passes GETs signed by its instance actor), checks that the document's id
comes from the origin that served it, and upserts an ``Account`` (``domain`` is the
host, with its port when it has one) keeping the document as received.

``RemoteActors.fetch_key`` is the ``KeyFetcher`` behind ``build_key_resolver``: given a
key id it finds the key and the actor that owns it, whether the key id is the actor id
with a fragment (Mastodon's ``#main-key``), a path of its own that serves the actor
(GoToSocial's ``/main-key``), or a separate key document naming its owner, in which
case the owner's own document must list the key too.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import nh3
import orjson
from tortoise.exceptions import IntegrityError

from federation import jsonld, vocab
from federation.errors import FetchError, VocabError
from federation.http_client import FetchResponse
from federation.keys import CachingKeyResolver, KeyUnavailable, MemoryKeyCache
from fediserver.models import Account

Fetch = Callable[[str], Awaitable[FetchResponse]]
MAX_URL = 2048
MAX_NAME = 255


class RemoteActorError(KeyUnavailable):
    """A remote actor or key could not be fetched or used; ``gone`` when its server said 410."""

    def __init__(self, message: str, *, gone: bool = False) -> None:
        super().__init__(message)
        self.gone = gone


def without_fragment(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, parts.query, ""))


def account_domain(actor_id: str) -> str:
    """``host`` or ``host:port`` of an actor id, lower-cased: the ``Account.domain`` of its actor."""
    return urlsplit(actor_id).netloc.lower().rsplit("@", 1)[-1]


def _url_or_none(value: str | None) -> str | None:
    return value if value and len(value) <= MAX_URL else None


def _listed_keys(document: dict[str, Any]) -> list[dict[str, Any]]:
    keys = document.get("publicKey")
    listed = keys if isinstance(keys, list) else [keys]
    return [key for key in listed if isinstance(key, dict)]


def _username(actor: vocab.Actor) -> str:
    name = actor.preferred_username or urlsplit(actor.id).path.rstrip("/").rsplit("/", 1)[-1]
    if not name or len(name) > MAX_NAME:
        raise RemoteActorError(f"actor {actor.id} has no usable username")
    return name


async def upsert_actor(actor: vocab.Actor, document: dict[str, Any]) -> Account:
    """Create or refresh the ``Account`` of a parsed remote actor document."""
    if len(actor.id) > MAX_URL or len(actor.inbox) > MAX_URL:
        raise RemoteActorError(f"actor {actor.id[:100]}: id or inbox longer than {MAX_URL} characters")
    key = actor.public_key
    values = {
        "username": _username(actor),
        "domain": account_domain(actor.id),
        "actor_type": actor.type,
        "url": _url_or_none(actor.url),
        "inbox_url": actor.inbox,
        "shared_inbox_url": _url_or_none(actor.shared_inbox),
        "outbox_url": _url_or_none(actor.outbox),
        "followers_url": _url_or_none(actor.followers),
        "following_url": _url_or_none(actor.following),
        "featured_url": _url_or_none(actor.featured),
        "display_name": (actor.name or "")[:MAX_NAME],
        "summary": nh3.clean(actor.summary or ""),
        "avatar_url": _url_or_none(actor.icon_url),
        "header_url": _url_or_none(actor.image_url),
        "manually_approves_followers": actor.manually_approves_followers,
        "discoverable": bool(actor.discoverable),
        "indexable": bool(actor.indexable),
        "profile_fields": [{"name": f.name, "value": nh3.clean(f.value)} for f in actor.fields],
        "also_known_as": [u for u in actor.also_known_as if len(u) <= MAX_URL],
        "moved_to_uri": _url_or_none(actor.moved_to),
        "public_key_id": _url_or_none(key.id if key else None),
        "public_key_pem": key.pem if key else None,
        "document": document,
        "fetched_at": datetime.now(UTC),
    }
    account = await Account.get_or_none(uri=actor.id)
    if account is None:
        # The same handle on the same server under a new id: the server has re-created it.
        account = await Account.get_or_none(username=values["username"], domain=values["domain"])
    if account is None:
        try:
            return await Account.create(uri=actor.id, **values)
        except IntegrityError:  # created concurrently by another request
            account = await Account.get(uri=actor.id)
    if account.is_local:
        raise RemoteActorError(f"{actor.id} names a local account")
    account.update_from_dict({"uri": actor.id, **values})
    await account.save()
    return account


class RemoteActors:
    """Fetches remote actors and keys with ``fetch`` (a signed GET in the server)."""

    def __init__(self, fetch: Fetch) -> None:
        self._fetch = fetch

    async def fetch_document(self, url: str) -> dict[str, Any]:
        """A remote ActivityStreams document whose id has the origin that served it."""
        try:
            response = await self._fetch(url)
        except FetchError as error:
            raise RemoteActorError(f"fetching {url} failed: {error}") from error
        if response.status == 410:
            raise RemoteActorError(f"{url} is gone (410)", gone=True)
        if not response.ok:
            raise RemoteActorError(f"fetching {url} answered {response.status}")
        try:
            document = orjson.loads(response.body)
        except orjson.JSONDecodeError:
            raise RemoteActorError(f"{url} did not answer JSON") from None
        if not isinstance(document, dict) or not isinstance(document.get("id"), str):
            raise RemoteActorError(f"{url} answered a document without an id")
        if not vocab.same_origin(document["id"], response.url):
            raise RemoteActorError(f"{response.url} served a document with the id {document['id']} of another origin")
        return document

    async def fetch_actor(self, url: str) -> Account:
        """Fetch the actor at ``url`` and store it as an ``Account``."""
        document = await self.fetch_document(url)
        return await self._store(document)

    async def _store(self, document: dict[str, Any]) -> Account:
        try:
            actor = vocab.parse_actor(document)
        except VocabError as error:
            raise RemoteActorError(f"{document.get('id')}: {error}") from error
        return await upsert_actor(actor, document)

    async def fetch_key(self, key_id: str) -> tuple[str, str, str]:
        """(key id, owner actor id, PEM) for ``key_id``; raises ``RemoteActorError``."""
        document = await self.fetch_document(without_fragment(key_id))
        if "inbox" in document:  # the actor itself, listing the key
            account = await self._store(document)
            return key_id, account.uri, self._claimed_key(document, key_id, account.uri)
        # A key document naming its owner, or a stub of the actor holding only its key.
        listed = next((key for key in _listed_keys(document) if key.get("id") == key_id), None)
        owner = jsonld.ref_id((listed or document).get("owner")) or (document["id"] if listed else None)
        if not isinstance(owner, str):
            raise RemoteActorError(f"{key_id} is neither an actor nor a key document with an owner")
        if not vocab.same_origin(owner, key_id):
            raise RemoteActorError(f"key {key_id} names an owner {owner} of another origin")
        owner_document = await self.fetch_document(owner)
        account = await self._store(owner_document)
        return key_id, account.uri, self._claimed_key(owner_document, key_id, account.uri)

    @staticmethod
    def _claimed_key(actor_document: dict[str, Any], key_id: str, actor_id: str) -> str:
        """The PEM of ``key_id`` as the actor lists it; the actor must claim the key."""
        for key in _listed_keys(actor_document):
            pem = key.get("publicKeyPem")
            if key.get("id") == key_id and isinstance(pem, str):
                return pem
        raise RemoteActorError(f"actor {actor_id} does not list the key {key_id}")


def build_key_resolver(remote_actors: RemoteActors, *, ttl_seconds: float) -> CachingKeyResolver:
    """The resolver ``verify_request`` uses: loaded keys cached for ``ttl_seconds``."""
    cache = MemoryKeyCache(ttl_seconds=max(ttl_seconds, 0.001))
    return CachingKeyResolver(cache, remote_actors.fetch_key)
