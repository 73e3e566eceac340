"""Local actors as the JSON other servers read, serialised once per change.

``actor_document`` renders a local artist (``Person``) or the instance actor
(``Application``) the way Mastodon does, with the contexts Mastodon-compatible servers
expect. ``DocumentCache`` keeps the serialised bytes of such documents (actors,
WebFinger answers) per account so a cache hit costs no database query and no JSON
encoding. An account saved or deleted through the ORM in this process drops its
entries at once (a Tortoise signal); changes made by other processes show after
``federation.document_cache_seconds`` at most.
"""

from __future__ import annotations

import time
import weakref
from typing import Any

import orjson
from tortoise.signals import post_delete, post_save

from fediserver.models import Account
from fediserver.urls import InstanceUrls
from outbox.objects import iso

ACTIVITY_JSON_TYPE = "application/activity+json; charset=utf-8"

ACTOR_CONTEXT: list[Any] = [
    "https://www.w3.org/ns/activitystreams",
    "https://w3id.org/security/v1",
    {
        "manuallyApprovesFollowers": "as:manuallyApprovesFollowers",
        "toot": "http://joinmastodon.org/ns#",
        "featured": {"@id": "toot:featured", "@type": "@id"},
        "featuredTags": {"@id": "toot:featuredTags", "@type": "@id"},
        "alsoKnownAs": {"@id": "as:alsoKnownAs", "@type": "@id"},
        "movedTo": {"@id": "as:movedTo", "@type": "@id"},
        "schema": "http://schema.org#",
        "PropertyValue": "schema:PropertyValue",
        "value": "schema:value",
        "discoverable": "toot:discoverable",
        "indexable": "toot:indexable",
        "suspended": "toot:suspended",
        "featuredCollections": {"@id": "https://w3id.org/fep/7aa9#featuredCollections", "@type": "@id"},
    },
]


def _image(url: str) -> dict[str, str]:
    return {"type": "Image", "url": url}


def actor_document(account: Account, urls: InstanceUrls) -> dict[str, Any]:
    """The ActivityPub document of a local account (an artist or the instance actor)."""
    document: dict[str, Any] = {
        "@context": ACTOR_CONTEXT,
        "id": account.uri,
        "type": account.actor_type,
        "preferredUsername": account.username,
        "name": account.display_name,
        "summary": account.summary,
        "url": account.url or account.uri,
        "inbox": account.inbox_url,
        "endpoints": {"sharedInbox": urls.shared_inbox},
        "manuallyApprovesFollowers": account.manually_approves_followers,
        "discoverable": account.discoverable,
        "indexable": account.indexable,
        "published": iso(account.created_at),
        "publicKey": {
            "id": account.public_key_id,
            "owner": account.uri,
            "publicKeyPem": account.public_key_pem,
        },
    }
    for name, url in (
        ("outbox", account.outbox_url),
        ("followers", account.followers_url),
        ("following", account.following_url),
        ("featured", account.featured_url),
    ):
        if url:
            document[name] = url
    if account.actor_type == "Person" and account.is_local:
        # The hashtags she features (Hashtag objects), and her series as FEP-7aa9 FeaturedCollections.
        document["featuredTags"] = urls.featured_tags(account.username)
        document["featuredCollections"] = urls.featured_collections(account.username)
    if account.avatar_url:
        document["icon"] = _image(account.avatar_url)
    if account.header_url:
        document["image"] = _image(account.header_url)
    document["attachment"] = [
        {"type": "PropertyValue", "name": str(field.get("name", "")), "value": str(field.get("value", ""))}
        for field in account.profile_fields
        if isinstance(field, dict)
    ]
    document["alsoKnownAs"] = list(account.also_known_as)
    if account.moved_to_uri:
        document["movedTo"] = account.moved_to_uri
    return document


def suspended_actor_document(account: Account, urls: InstanceUrls) -> dict[str, Any]:
    """A suspended local account's actor, as Mastodon serves one: ``suspended: true``, no
    profile, only what other servers need to verify the Delete it sent and to know it."""
    full = actor_document(account, urls)
    kept = ("@context", "id", "type", "preferredUsername", "url", "inbox", "endpoints", "outbox", "followers",
            "following", "published", "publicKey")
    return {**{key: full[key] for key in kept if key in full}, "name": "", "summary": "",
            "manuallyApprovesFollowers": True, "suspended": True}


def encode(document: Any) -> bytes:
    return orjson.dumps(document)


class DocumentCache:
    """Serialised documents per (kind, username) of local accounts, for ``ttl_seconds``."""

    def __init__(self, ttl_seconds: float, *, clock=time.monotonic) -> None:
        self._ttl = ttl_seconds
        self._clock = clock
        self._entries: dict[tuple[str, str], tuple[float, bytes]] = {}
        _live_caches.add(self)

    def get(self, kind: str, username: str) -> bytes | None:
        entry = self._entries.get((kind, username))
        if entry is None:
            return None
        if self._clock() >= entry[0]:
            self._entries.pop((kind, username), None)
            return None
        return entry[1]

    def put(self, kind: str, username: str, body: bytes) -> bytes:
        if self._ttl > 0:
            self._entries[(kind, username)] = (self._clock() + self._ttl, body)
        return body

    def forget(self, username: str) -> None:
        for key in [key for key in self._entries if key[1] == username]:
            del self._entries[key]


_live_caches: weakref.WeakSet[DocumentCache] = weakref.WeakSet()


def _forget_everywhere(account: Account) -> None:
    if account.is_local:
        for cache in list(_live_caches):
            cache.forget(account.username)


@post_save(Account)
async def _account_saved(sender, instance: Account, created, using_db, update_fields) -> None:
    _forget_everywhere(instance)


@post_delete(Account)
async def _account_deleted(sender, instance: Account, using_db) -> None:
    _forget_everywhere(instance)
