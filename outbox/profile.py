"""An artist's profile changes: followers' servers get an ``Update`` carrying the whole
actor document, as Mastodon sends one, so the new name, bio, avatar or fields show there."""

from __future__ import annotations

from typing import Any

from fediserver.models import Account
from outbox import builders
from outbox.publish import publish
from outbox.recipients import follower_inboxes


async def publish_profile_update(account: Account, actor_document: dict[str, Any]) -> None:
    """Queue the Update of ``account``'s actor (its document as served) to its followers."""
    context = actor_document.get("@context", builders.ACTIVITY_CONTEXT)
    await publish(builders.update_object(account, actor_document, context), actor=account,
                  inboxes=await follower_inboxes(account))
