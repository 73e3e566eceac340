"""What a POSTed activity must be before its signature is even looked at.

These checks need neither a key nor the database, so the inbox applies them first and
a sender that breaks one is told at once with 400 and the reason: the body is a JSON
object no deeper than ``federation.received_json.MAX_JSON_DEPTH`` levels, it names its
actor by an http(s) URL, and its id, when it has one, is a URL on the actor's own server
(scheme, host and port). An activity id therefore always belongs to the server that
sent it, and the inbound queue remembers ids per origin: nobody can send another
server's id first (Mastodon's predictable ``<status>#delete``, say) to have the real
activity dropped as a duplicate. Ids and actors longer than the columns that keep them
(``MAX_ID_BYTES``) are refused here too.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from federation.errors import VocabError
from federation.received_json import ReceivedJsonError, load_json_object
from federation.vocab import origin

# Ids are kept in 2,048-character columns; counted in UTF-8 bytes so that an index over
# an id and its origin stays within what PostgreSQL can index.
MAX_ID_BYTES = 2048
MAX_ORIGIN_BYTES = 255


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
    origin: str  # scheme://host[:port] of the actor, where the activity's id must live


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
    actor_origin = _origin(actor, "actor")
    if len(actor_origin.encode()) > MAX_ORIGIN_BYTES:
        raise Refused("actor is not a URL", f"its host is longer than {MAX_ORIGIN_BYTES} bytes")
    activity_id = activity.get("id")
    if activity_id is not None:
        if not isinstance(activity_id, str):
            raise Refused("activity id is not a URL", f"it is a JSON {type(activity_id).__name__}")
        if _origin(activity_id, "activity id") != actor_origin:
            raise Refused(
                "activity id from another origin",
                f"the id {activity_id[:300]} is not on the actor's server {actor_origin}",
            )
    return Admitted(activity, actor, actor_origin)


def _origin(url: str, what: str) -> str:
    if len(url.encode("utf-8", "surrogatepass")) > MAX_ID_BYTES:
        raise Refused(f"{what} is too long", f"the limit is {MAX_ID_BYTES} bytes")
    try:
        return origin(url)
    except VocabError:
        raise Refused(f"{what} is not a URL", f"{url[:300]!r} is not an absolute http(s) URL") from None
