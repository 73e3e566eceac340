"""Remote actors and their keys: fetched, checked, and kept as ``Account`` rows.

``RemoteActors.fetch_actor`` reads an actor document through the given fetch function
(the server passes GETs signed by its instance actor), checks that the document's id
comes from the origin that served it, and stores it with
``inbox.remote_accounts.store_remote_actor`` (``domain`` is the host, with its port
when it has one; the document is kept as received).

``RemoteActors.fetch_key`` is the ``KeyFetcher`` behind ``build_key_resolver``: given a
key id it finds the key and the actor that owns it, whether the key id is the actor id
with a fragment (Mastodon's ``#main-key``), a path of its own that serves the actor
(GoToSocial's ``/main-key``), or a separate key document naming its owner, in which
case the owner's own document must list the key too.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from federation import jsonld, vocab
from federation.errors import FetchError, VocabError
from federation.fetch_limits import FetchLimiter
from federation.http_client import FetchResponse
from federation.received_json import ReceivedJsonError, load_json_object
from federation.keys import CachingKeyResolver, KeyUnavailable, MemoryKeyCache
from fediserver.models import Account
from inbox.remote_accounts import store_remote_actor

Fetch = Callable[[str], Awaitable[FetchResponse]]
MAX_URL = 2048


class RemoteActorError(KeyUnavailable):
    """A remote actor or key could not be fetched or used; ``gone`` when its server said 410."""

    def __init__(self, message: str, *, gone: bool = False) -> None:
        super().__init__(message)
        self.gone = gone


def without_fragment(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, parts.query, ""))


def _listed_keys(document: dict[str, Any]) -> list[dict[str, Any]]:
    keys = document.get("publicKey")
    listed = keys if isinstance(keys, list) else [keys]
    return [key for key in listed if isinstance(key, dict)]


def _overlong_urls(actor: vocab.Actor) -> list[str]:
    """The actor's URLs that no account column can hold."""
    urls = {
        "id": actor.id, "inbox": actor.inbox, "url": actor.url, "sharedInbox": actor.shared_inbox,
        "outbox": actor.outbox, "followers": actor.followers, "following": actor.following,
        "featured": actor.featured, "icon": actor.icon_url, "image": actor.image_url,
        "movedTo": actor.moved_to, "publicKey": actor.public_key.id if actor.public_key else None,
    }
    names = [name for name, url in urls.items() if url and len(url) > MAX_URL]
    return names + (["alsoKnownAs"] if any(len(url) > MAX_URL for url in actor.also_known_as) else [])


async def store_actor_document(document: dict[str, Any]) -> Account:
    """Parse a remote actor document and create or refresh its ``Account``."""
    try:
        actor = vocab.parse_actor(document)
    except VocabError as error:
        raise RemoteActorError(f"{document.get('id')}: {error}") from error
    if overlong := _overlong_urls(actor):
        raise RemoteActorError(f"actor {actor.id[:200]}: {', '.join(overlong)} longer than {MAX_URL} characters")
    try:
        return await store_remote_actor(actor, document)
    except ValueError as error:  # the id names one of our own accounts
        raise RemoteActorError(str(error)) from error


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
            document = load_json_object(response.body)
        except ReceivedJsonError as error:
            raise RemoteActorError(f"{url} did not answer a usable JSON object: {error}") from None
        if not isinstance(document.get("id"), str):
            raise RemoteActorError(f"{url} answered a document without an id")
        if not vocab.same_origin(document["id"], response.url):
            raise RemoteActorError(f"{response.url} served a document with the id {document['id']} of another origin")
        return document

    async def fetch_actor(self, url: str) -> Account:
        """Fetch the actor at ``url`` and store it as an ``Account``."""
        return await store_actor_document(await self.fetch_document(url))

    async def fetch_key(self, key_id: str) -> tuple[str, str, str]:
        """(key id, owner actor id, PEM) for ``key_id``; raises ``RemoteActorError``."""
        document = await self.fetch_document(without_fragment(key_id))
        if "inbox" in document:  # the actor itself, listing the key
            account = await store_actor_document(document)
            return key_id, account.uri, self._claimed_key(document, key_id, account.uri)
        # A key document naming its owner, or a stub of the actor holding only its key.
        listed = next((key for key in _listed_keys(document) if key.get("id") == key_id), None)
        owner = jsonld.ref_id((listed or document).get("owner")) or (document["id"] if listed else None)
        if not isinstance(owner, str):
            raise RemoteActorError(f"{key_id} is neither an actor nor a key document with an owner")
        if not vocab.same_origin(owner, key_id):
            raise RemoteActorError(f"key {key_id} names an owner {owner} of another origin")
        owner_document = await self.fetch_document(owner)
        account = await store_actor_document(owner_document)
        return key_id, account.uri, self._claimed_key(owner_document, key_id, account.uri)

    @staticmethod
    def _claimed_key(actor_document: dict[str, Any], key_id: str, actor_id: str) -> str:
        """The PEM of ``key_id`` as the actor lists it; the actor must claim the key."""
        for key in _listed_keys(actor_document):
            pem = key.get("publicKeyPem")
            if key.get("id") == key_id and isinstance(pem, str):
                return pem
        raise RemoteActorError(f"actor {actor_id} does not list the key {key_id}")


def build_key_resolver(
    remote_actors: RemoteActors,
    *,
    ttl_seconds: float,
    limiter: FetchLimiter | None = None,
    wait_seconds: float | None = None,
) -> CachingKeyResolver:
    """The resolver ``verify_request`` uses: loaded keys cached for ``ttl_seconds``,
    fetched in ``limiter``'s slots, no request waiting more than ``wait_seconds`` for one."""
    cache = MemoryKeyCache(ttl_seconds=max(ttl_seconds, 0.001))
    return CachingKeyResolver(cache, remote_actors.fetch_key, limiter=limiter, wait_seconds=wait_seconds)
