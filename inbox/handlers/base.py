"""What every inbound handler shares: the activity being handled, its verdicts, lookups.

A handler receives an ``Inbound`` (the parsed activity, the raw payload and the sender's
stored ``Account``) and either returns (done), raises ``Ignored`` (understood and
deliberately not acted on) or raises ``Forged`` (refused: the sender may not do this).
Any other exception is a failure the processor retries.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from federation.vocab import Activity, same_origin
from fediserver.models import Account, Post


class Ignored(Exception):
    """The activity is understood but not acted on; the message says why."""


class Forged(Exception):
    """The sender claims something that is not theirs to claim."""


@dataclass(frozen=True)
class Inbound:
    activity: Activity
    payload: dict[str, Any]
    sender: Account
    # Local accounts whose personal inbox the activity was delivered to (empty when it
    # came through the shared inbox only).
    delivered_to: tuple[str, ...] = ()
    # The resolver (``inbox.resolver.Resolver``) for posts and accounts not seen yet;
    # None where nothing may be fetched.
    resolver: Any = None

    @property
    def raw_object(self) -> dict[str, Any] | None:
        """The embedded object as received, when there is one."""
        obj = self.payload.get("object")
        if isinstance(obj, list) and len(obj) == 1:
            obj = obj[0]
        return obj if isinstance(obj, dict) else None

    def text_field(self, *names: str) -> str | None:
        """The first non-empty string among the payload's ``names``."""
        for name in names:
            value = self.payload.get(name)
            if isinstance(value, str) and value.strip():
                return value.strip()
        return None


def require_object_id(inbound: Inbound) -> str:
    if not inbound.activity.object_id:
        raise Ignored(f"{inbound.activity.type} names no object")
    return inbound.activity.object_id


def require_activity_id(inbound: Inbound) -> str:
    if not inbound.activity.id:
        raise Ignored(f"{inbound.activity.type} has no id to remember it by")
    return inbound.activity.id


def require_own_origin(inbound: Inbound, object_id: str) -> None:
    """An object from another server than its sender is not trusted as sent (not fetched)."""
    if not same_origin(object_id, inbound.sender.uri):
        raise Ignored(f"object {object_id} comes from another origin than its actor; not fetched")


async def find_account(uri: str | None) -> Account | None:
    return await Account.get_or_none(uri=uri) if uri else None


async def find_post(uri: str | None) -> Post | None:
    """A known, not deleted post (or boost) by its id."""
    return await Post.get_or_none(uri=uri, deleted_at=None) if uri else None


async def require_post(uri: str | None) -> Post:
    post = await find_post(uri)
    if post is None:
        raise Ignored(f"post {uri} is not known here; not fetched")
    return post


