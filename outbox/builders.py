"""Building the ActivityStreams documents we send, from local actions.

Every builder returns a plain JSON-ready dict with its own new id under the actor's URI.
"""

from __future__ import annotations

import uuid
from typing import Any

from fediserver.models import Account

ACTIVITY_CONTEXT: list[Any] = ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"]
PUBLIC = "https://www.w3.org/ns/activitystreams#Public"


def new_activity_id(actor: Account) -> str:
    return f"{actor.uri}/activities/{uuid.uuid4().hex}"


def _activity(actor: Account, activity_type: str, obj: Any, **extra: Any) -> dict[str, Any]:
    return {
        "@context": ACTIVITY_CONTEXT,
        "id": new_activity_id(actor),
        "type": activity_type,
        "actor": actor.uri,
        "object": obj,
        **extra,
    }


def _follow_reference(follow: dict[str, Any]) -> dict[str, Any]:
    """The Follow being answered, as Mastodon embeds it: id, type, actor, object."""
    return {key: follow[key] for key in ("id", "type", "actor", "object") if key in follow}


def accept_follow(actor: Account, follow: dict[str, Any]) -> dict[str, Any]:
    """``actor`` (the followed local account) accepts the received ``follow`` activity."""
    return _activity(actor, "Accept", _follow_reference(follow), to=[follow["actor"]])


def reject_follow(actor: Account, follow: dict[str, Any]) -> dict[str, Any]:
    return _activity(actor, "Reject", _follow_reference(follow), to=[follow["actor"]])


def follow(actor: Account, target_uri: str) -> dict[str, Any]:
    """``actor`` (local) asks to follow the remote actor ``target_uri``."""
    return _activity(actor, "Follow", target_uri, to=[target_uri])
