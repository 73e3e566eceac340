"""Building the ActivityStreams documents we send, from local actions.

Every builder returns a plain JSON-ready dict with its own new id under the actor's URI.
Addressing is part of the document (``to``/``cc``); who actually receives it is decided
by the caller (``outbox.statuses``, ``outbox.relations``), which hands the activity to ``outbox.publish``.
"""

from __future__ import annotations

import uuid
from typing import Any

from fediserver.clock import utcnow
from fediserver.models import Account
from outbox.objects import OBJECT_CONTEXT, PUBLIC, iso

ACTIVITY_CONTEXT: list[Any] = ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"]
# A Create or Update carries the Note inline, so it needs the Note's terms too.
NOTE_ACTIVITY_CONTEXT: list[Any] = [*OBJECT_CONTEXT[:1], "https://w3id.org/security/v1", *OBJECT_CONTEXT[1:]]


def new_activity_id(actor: Account) -> str:
    return f"{actor.uri}/activities/{uuid.uuid4().hex}"


def _activity(actor: Account, activity_type: str, obj: Any, *, context: list[Any] = ACTIVITY_CONTEXT,
              **extra: Any) -> dict[str, Any]:
    return {
        "@context": context,
        "id": new_activity_id(actor),
        "type": activity_type,
        "actor": actor.uri,
        "object": obj,
        **extra,
    }


def _reference(activity: dict[str, Any]) -> dict[str, Any]:
    """An earlier activity as embedded when answering or undoing it: id, type, actor, object."""
    return {key: activity[key] for key in ("id", "type", "actor", "object") if key in activity}


def follow_reference(follow_id: str, follower_uri: str, target_uri: str) -> dict[str, Any]:
    """A received Follow as its answer embeds it, rebuilt from the stored follow."""
    return {"id": follow_id, "type": "Follow", "actor": follower_uri, "object": target_uri}


def accept_follow(actor: Account, follow: dict[str, Any]) -> dict[str, Any]:
    """``actor`` (the followed local account) accepts the received ``follow`` activity."""
    return _activity(actor, "Accept", _reference(follow), to=[follow["actor"]])


def reject_follow(actor: Account, follow: dict[str, Any]) -> dict[str, Any]:
    return _activity(actor, "Reject", _reference(follow), to=[follow["actor"]])


def create_note(actor: Account, note: dict[str, Any]) -> dict[str, Any]:
    """Create for a new post: the Note inline, addressed exactly as the Note is."""
    inner = {key: value for key, value in note.items() if key != "@context"}
    return _activity(
        actor, "Create", inner, context=NOTE_ACTIVITY_CONTEXT, to=list(inner.get("to", [])),
        cc=list(inner.get("cc", [])), published=inner.get("published") or iso(utcnow()),
    )


def update_note(actor: Account, note: dict[str, Any]) -> dict[str, Any]:
    """Update for an edited post: the whole new Note, same addressing."""
    inner = {key: value for key, value in note.items() if key != "@context"}
    return _activity(actor, "Update", inner, context=NOTE_ACTIVITY_CONTEXT, to=list(inner.get("to", [])),
                     cc=list(inner.get("cc", [])))


def delete_note(actor: Account, tomb: dict[str, Any], *, to: list[str], cc: list[str]) -> dict[str, Any]:
    """Delete of a post, carrying its Tombstone, addressed to whoever saw the post."""
    return _activity(actor, "Delete", tomb, to=to, cc=cc)


def follow(actor: Account, target_uri: str) -> dict[str, Any]:
    """``actor`` (local) asks to follow the remote actor ``target_uri``."""
    return _activity(actor, "Follow", target_uri, to=[target_uri])


def like(actor: Account, post_uri: str, post_author: Account) -> dict[str, Any]:
    return _activity(actor, "Like", post_uri, to=[post_author.uri])


def announce(actor: Account, post_uri: str, post_author: Account, *, public: bool = True) -> dict[str, Any]:
    """A boost: public boosts go to Public with the author and the booster's followers in cc."""
    if public:
        to, cc = [PUBLIC], [post_author.uri, actor.followers_url]
    else:
        to, cc = [actor.followers_url], [post_author.uri]
    return _activity(actor, "Announce", post_uri, to=to, cc=cc, published=iso(utcnow()))


def block(actor: Account, target: Account) -> dict[str, Any]:
    return _activity(actor, "Block", target.uri, to=[target.uri])


def undo(actor: Account, activity: dict[str, Any]) -> dict[str, Any]:
    """Undo of one of ``actor``'s earlier Follow, Like, Announce or Block, same addressing."""
    if activity.get("actor") != actor.uri:
        raise ValueError("only the actor of an activity can undo it")
    if activity.get("type") not in ("Follow", "Like", "Announce", "Block"):
        raise ValueError(f"cannot undo a {activity.get('type')!r} activity")
    extra = {key: activity[key] for key in ("to", "cc") if key in activity}
    return _activity(actor, "Undo", _reference(activity), **extra)


def add_to_collection(actor: Account, obj: Any, target: str) -> dict[str, Any]:
    """Add of a post to the actor's ``featured`` (a pin), or of a series to its
    ``featuredCollections``; public, copied to the actor's followers."""
    return _activity(actor, "Add", obj, target=target, to=[PUBLIC], cc=[actor.followers_url])


def remove_from_collection(actor: Account, obj: Any, target: str) -> dict[str, Any]:
    return _activity(actor, "Remove", obj, target=target, to=[PUBLIC], cc=[actor.followers_url])


def update_object(actor: Account, obj: dict[str, Any] | str, context: list[Any] = ACTIVITY_CONTEXT) -> dict[str, Any]:
    """Update of an object that is not a post: the whole object inline (an actor) or its
    id (a series, which receivers fetch)."""
    inner = {key: value for key, value in obj.items() if key != "@context"} if isinstance(obj, dict) else obj
    return _activity(actor, "Update", inner, context=context, to=[PUBLIC], cc=[actor.followers_url])


def flag(actor: Account, target: Account, post_uris: list[str], comment: str) -> dict[str, Any]:
    """A report forwarded to the reported account's server, as Mastodon sends one: from the
    instance actor (``actor``), naming the account and then the reported posts."""
    return _activity(actor, "Flag", [target.uri, *post_uris], content=comment, to=[target.uri])


def delete_actor(actor: Account) -> dict[str, Any]:
    """The Delete of a local actor (sent when an admin suspends it), to everyone."""
    return _activity(actor, "Delete", actor.uri, to=[PUBLIC])
