"""What a POSTed activity must be before its signature is even looked at.

These checks need neither a key nor the database, so the inbox applies them first and
a sender that breaks one is told at once with 400 and the reason: the body is a JSON
object no deeper than ``federation.received_json.MAX_JSON_DEPTH`` levels, and it names
its actor.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from federation.received_json import ReceivedJsonError, load_json_object


class Refused(Exception):
    """The activity is refused at the door; ``error`` and ``detail`` go into the 400 answer."""

    def __init__(self, error: str, detail: str = "") -> None:
        self.error = error
        self.detail = detail
        super().__init__(f"{error}: {detail}" if detail else error)


@dataclass(frozen=True)
class Admitted:
    activity: dict[str, Any]
    actor: str


def actor_id(activity: dict[str, Any]) -> str | None:
    """The activity's actor id, whether given as a string or an embedded object."""
    actor = activity.get("actor")
    if isinstance(actor, dict):
        actor = actor.get("id")
    return actor if isinstance(actor, str) and actor else None


def admit(body: bytes) -> Admitted:
    """The parsed activity and its actor id, or ``Refused`` with the reason."""
    try:
        activity = load_json_object(body)
    except ReceivedJsonError as error:
        raise Refused(error.reason, error.detail) from None
    actor = actor_id(activity)
    if actor is None:
        raise Refused("activity has no actor")
    return Admitted(activity, actor)
