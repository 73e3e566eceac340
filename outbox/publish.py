"""Publishing a local activity: record it once, queue one delivery per distinct inbox.

This is the only door into the delivery queue. Whoever builds an activity (a post, an
Accept sent by the inbox handlers, a like) hands it here with the inboxes it must reach;
the delivery workers do the rest. Nothing is queued for a server suspended by a domain
block (or off the allowlist); what was queued before the block fails when it is tried
(the outbound client's host gate refuses it).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from tortoise.transactions import in_transaction

from fediserver.clock import utcnow
from fediserver.models import Account, Activity, Delivery
from fediserver.moderation.domain_blocks import domain_policy


def _object_uri(activity: dict[str, Any]) -> str | None:
    obj = activity.get("object")
    if isinstance(obj, str):
        return obj
    if isinstance(obj, dict) and isinstance(obj.get("id"), str):
        return obj["id"]
    return None


async def publish(activity: dict[str, Any], *, actor: Account, inboxes: Iterable[str]) -> Activity:
    """Store ``activity`` (sent by the local ``actor``) and queue it for each inbox once."""
    domains = domain_policy()
    unique_inboxes = [
        url for url in dict.fromkeys(url for url in inboxes if url) if not domains.suspends(urlsplit(url).netloc)
    ]
    now = utcnow()
    async with in_transaction() as connection:
        record = await Activity.create(
            uri=activity["id"],
            type=activity["type"],
            actor=actor,
            object_uri=_object_uri(activity),
            payload=activity,
            local=True,
            using_db=connection,
        )
        if unique_inboxes:
            await Delivery.bulk_create(
                [
                    Delivery(
                        activity=record,
                        inbox_url=url,
                        domain=urlsplit(url).netloc.lower(),
                        next_attempt_at=now,
                    )
                    for url in unique_inboxes
                ],
                using_db=connection,
            )
    return record

