"""Pinned posts: Add and Remove of a known post on its author's ``featured`` collection."""

from __future__ import annotations

from fediserver.clock import utcnow
from inbox.handlers.base import Ignored, Inbound, require_object_id, require_post


async def _own_pinnable_post(inbound: Inbound):
    target = inbound.activity.target
    if not target or target != inbound.sender.featured_url:
        raise Ignored(f"{inbound.activity.type} to {target}, not the sender's featured collection")
    post = await require_post(require_object_id(inbound))
    if post.account_id != inbound.sender.id:
        raise Ignored(f"{post.uri} is not the sender's post")
    return post


async def handle_add(inbound: Inbound) -> None:
    post = await _own_pinnable_post(inbound)
    post.pinned_at = utcnow()
    await post.save(update_fields=["pinned_at"])


async def handle_remove(inbound: Inbound) -> None:
    post = await _own_pinnable_post(inbound)
    post.pinned_at = None
    await post.save(update_fields=["pinned_at"])
