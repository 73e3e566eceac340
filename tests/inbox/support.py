"""Building the world an inbound activity lands in: our accounts, remote actors, delivery."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from federation.vocab import parse_actor
from fediserver.clock import utcnow
from fediserver.local_accounts import create_local_account
from fediserver.models import Account, InboundItem, Post
from fediserver.urls import InstanceUrls
from inbox.processing import InboundProcessor
from inbox.queue import store_inbound
from inbox.remote_accounts import store_remote_actor

URLS = InstanceUrls("https://art.example")
PUBLIC = "https://www.w3.org/ns/activitystreams#Public"


async def our_account(name: str, *, manually_approves_followers: bool = False) -> Account:
    account = await create_local_account(URLS, name)
    if manually_approves_followers:
        account.manually_approves_followers = True
        await account.save()
    return account


def actor_document(uri: str, **extra: Any) -> dict[str, Any]:
    """A Mastodon-shaped actor document for ``uri`` (https://host/users/name)."""
    host = urlsplit(uri).netloc
    return {
        "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
        "id": uri,
        "type": "Person",
        "preferredUsername": uri.rstrip("/").rsplit("/", 1)[-1],
        "name": "Remote Artist",
        "inbox": f"{uri}/inbox",
        "outbox": f"{uri}/outbox",
        "followers": f"{uri}/followers",
        "following": f"{uri}/following",
        "featured": f"{uri}/collections/featured",
        "endpoints": {"sharedInbox": f"https://{host}/inbox"},
        "publicKey": {"id": f"{uri}#main-key", "owner": uri, "publicKeyPem": "-----BEGIN PUBLIC KEY-----"},
        **extra,
    }


async def remote_actor(uri: str, **extra: Any) -> Account:
    """A remote actor as the verifying inbox stores it after fetching its key."""
    document = actor_document(uri, **extra)
    return await store_remote_actor(parse_actor(document), document)


async def remote_post(author: Account, uri: str, content: str = "<p>hello</p>") -> Post:
    return await Post.create(uri=uri, account=author, content=content, published_at=utcnow())


async def deliver(activity: dict[str, Any], processor: InboundProcessor | None = None, *,
                  to_inbox_of: Account | None = None) -> InboundItem:
    """Store ``activity`` as the inbox does for its verified signer (as a POST to
    ``to_inbox_of``'s personal inbox, else to the shared one), run the inbound job until
    nothing is due, and return the stored item as it ended."""
    actor = activity.get("actor")
    actor = actor.get("id") if isinstance(actor, dict) else actor
    actor = actor if isinstance(actor, str) else "https://unknown.example/actor"
    item, _ = await store_inbound(activity, actor_uri=actor, key_id=f"{actor}#main-key",
                                  delivered_to=to_inbox_of.uri if to_inbox_of is not None else None)
    processor = processor or InboundProcessor()
    while await processor.run_once():
        pass
    return await InboundItem.get(id=item.id)
