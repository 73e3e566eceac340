"""The durable inbound queue: a verified activity is stored once, by its id, before 202.

Storing is idempotent: the same activity delivered twice (to a personal and the shared
inbox, or retried by its sender) becomes one row. An id is remembered with the origin of
the actor that sent it (the inbox admits only ids on the actor's own server), so one
server's ids never collide with another's. Each personal inbox it reached is remembered
on the row (``delivered_to``): that account may read what it carries, even when the copy
that reached it was the second one. Workers claim pending rows with
``fediserver.models.queue.claim_due`` and run the handler for their type.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from tortoise.exceptions import IntegrityError

from federation.vocab import origin
from fediserver.clock import utcnow
from fediserver.models import InboundItem
from inbox.remote_posts import grant_delivered_reader


def activity_key(activity: dict[str, Any]) -> str:
    """The activity's id, or, for the few servers that send none, a digest of its content."""
    activity_id = activity.get("id")
    if isinstance(activity_id, str) and activity_id:
        return activity_id
    canonical = json.dumps(activity, sort_keys=True, separators=(",", ":")).encode()
    return "urn:sha256:" + hashlib.sha256(canonical).hexdigest()


async def store_inbound(
    activity: dict[str, Any], *, actor_uri: str, key_id: str | None, delivered_to: str | None = None
) -> tuple[InboundItem, bool]:
    """Store a verified activity sent by ``actor_uri``; returns the row and whether it was new.

    New activities are the common case, so the insert comes first and the unique
    (origin, ``activity_uri``) pair is the duplicate check: one statement per POST, and a
    redelivery (or a concurrent copy to another inbox) is looked up only when the insert
    is refused.
    """
    key = activity_key(activity)
    sender_origin = origin(actor_uri)
    activity_type = activity.get("type")
    try:
        item = await InboundItem.create(
            origin=sender_origin,
            activity_uri=key,
            # Longer names than any handled type are kept whole in the payload.
            activity_type=activity_type[:32] if isinstance(activity_type, str) else "Unknown",
            actor_uri=actor_uri,
            key_id=key_id,
            payload=activity,
            delivered_to=[delivered_to] if delivered_to else [],
            available_at=utcnow(),
        )
    except IntegrityError:
        item = await InboundItem.get(origin=sender_origin, activity_uri=key)
        if delivered_to and delivered_to not in (item.delivered_to or []):
            await _delivered_again(item, activity, delivered_to)
        return item, False
    return item, True


async def _delivered_again(item: InboundItem, activity: dict[str, Any], delivered_to: str) -> None:
    """Another personal inbox got a copy: remember it, and if the post it creates is
    stored already, let that account read it."""
    item.delivered_to = [*(item.delivered_to or []), delivered_to]
    await InboundItem.filter(id=item.id).update(delivered_to=item.delivered_to)
    obj = activity.get("object")
    object_id = obj.get("id") if isinstance(obj, dict) else obj
    if activity.get("type") in ("Create", "Update") and isinstance(object_id, str):
        await grant_delivered_reader(object_id, delivered_to)
