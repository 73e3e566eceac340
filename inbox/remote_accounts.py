"""Remote actors as stored accounts: creating or refreshing an ``Account`` from a parsed actor.

Used when an actor's document arrives (an ``Update`` of the actor, a fetched key). Text
that will be shown (name, bio, profile fields) is sanitised on the way in.
"""

from __future__ import annotations

import hashlib
from typing import Any
from urllib.parse import urlsplit

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from federation.vocab import Actor
from fediserver.clock import utcnow
from fediserver.models import Account
from inbox.sanitize import sanitize_html


def _username(actor: Actor) -> str:
    if actor.preferred_username:
        return actor.preferred_username[:255]
    return urlsplit(actor.id).path.rstrip("/").rsplit("/", 1)[-1][:255] or urlsplit(actor.id).netloc


def actor_fields(actor: Actor, document: dict[str, Any] | None) -> dict[str, Any]:
    """The account columns an actor document determines."""
    key = actor.public_key
    return {
        "actor_type": actor.type,
        "url": actor.url,
        "inbox_url": actor.inbox,
        "shared_inbox_url": actor.shared_inbox,
        "outbox_url": actor.outbox,
        "followers_url": actor.followers,
        "following_url": actor.following,
        "featured_url": actor.featured,
        "display_name": (actor.name or "")[:255],
        "summary": sanitize_html(actor.summary),
        "avatar_url": actor.icon_url,
        "header_url": actor.image_url,
        "manually_approves_followers": actor.manually_approves_followers,
        "discoverable": bool(actor.discoverable),
        "indexable": bool(actor.indexable),
        "profile_fields": [{"name": f.name, "value": sanitize_html(f.value)} for f in actor.fields],
        "also_known_as": list(actor.also_known_as),
        "moved_to_uri": actor.moved_to,
        "public_key_id": key.id if key else None,
        "public_key_pem": key.pem if key else None,
        "document": document,
        "fetched_at": utcnow(),
    }


async def store_remote_actor(actor: Actor, document: dict[str, Any] | None = None) -> Account:
    """Create the account for ``actor``, or refresh the one stored under its id."""
    fields = actor_fields(actor, document)
    account = await Account.get_or_none(uri=actor.id)
    if account is None:
        domain = urlsplit(actor.id).netloc.lower()
        try:
            async with in_transaction():
                return await Account.create(uri=actor.id, username=_username(actor), domain=domain, **fields)
        except IntegrityError:
            # Stored meanwhile by a concurrent request (a new sender's first POSTs arriving
            # together): refresh that row below.
            account = await Account.get_or_none(uri=actor.id)
            if account is None:
                # Another actor on the same server uses the name (Lemmy's users and communities may).
                unique = f"{_username(actor)[:200]}-{hashlib.sha256(actor.id.encode()).hexdigest()[:12]}"
                return await Account.create(uri=actor.id, username=unique, domain=domain, **fields)
    if account.is_local:
        raise ValueError(f"{actor.id} is a local account")
    account.update_from_dict(fields)
    await account.save()
    return account
