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


class Unknown(Ignored):
    """A post or account the activity needs is not stored here. The processor fetches it
    with the resolver (outside the handler's transaction) and applies the activity
    again; where nothing may be fetched it ends ignored, with this message. ``optional``:
    the activity can be applied without it (a quoted post), so a failed fetch does not
    stop it."""

    def __init__(self, uri: str, *, kind: str = "post", optional: bool = False, stale: bool = False) -> None:
        super().__init__(f"{kind} {uri} is not known here" if not stale else f"{kind} {uri} is out of date here")
        self.uri = uri
        self.kind = kind
        self.optional = optional
        # Known, but what the activity needs may have changed since: fetch it again.
        self.stale = stale


@dataclass(frozen=True)
class Inbound:
    activity: Activity
    payload: dict[str, Any]
    sender: Account
    # Local accounts whose personal inbox the activity was delivered to (empty when it
    # came through the shared inbox only).
    delivered_to: tuple[str, ...] = ()
    # What the processor tried to fetch for this activity and could not.
    unresolvable: frozenset[str] = frozenset()
    # Renders our posts for the Updates a handler sends (``Services.notes``).
    notes: Any = None

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
    """A known post, or ``Unknown`` so that the processor fetches it and tries again."""
    post = await find_post(uri)
    if post is None:
        if uri is None:
            raise Ignored("no post named")
        raise Unknown(uri)
    return post


async def require_account(uri: str | None) -> Account:
    """A known account, or ``Unknown`` so that the processor fetches it and tries again."""
    account = await find_account(uri)
    if account is None:
        if uri is None:
            raise Ignored("no account named")
        raise Unknown(uri, kind="account")
    return account


