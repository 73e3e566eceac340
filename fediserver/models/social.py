"""The social graph: who follows whom, and the whole life of a follow, declared as data.

A follow starts ``pending`` (a request: sent to a remote server, or received by an
account that approves followers by hand) or ``accepted`` (at once). From there:

    pending  -> accepted   the followed account (or its server) accepts
    pending  -> rejected   ... or rejects it
    pending  -> removed    the follower withdraws it, or a block ends it
    accepted -> rejected   the followed account removes the follower (a Reject)
    accepted -> removed    the follower unfollows, or a block, a Move or a deleted account ends it
    rejected -> removed    the row is cleared so the follower may ask again

``removed`` is final: the row is deleted. What rests on an accepted follow (an
endorsement, ``fediserver.models.profile_features``) ends when it is rejected or removed.
Every change of a follow goes through ``start_follow``, ``move_follow`` or
``remove_follows``, which refuse any step not declared in ``FOLLOW_MOVES``; readers take
``Follow.accepted()`` for the follows that count.
"""

from __future__ import annotations

import logging
from enum import StrEnum

from tortoise import fields
from tortoise.expressions import Q
from tortoise.models import Model
from tortoise.queryset import QuerySet

from fediserver.models.profile_features import AccountEndorsement

log = logging.getLogger(__name__)


class FollowState(StrEnum):
    PENDING = "pending"  # sent or received, waiting for an Accept
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    REMOVED = "removed"  # final: the row is gone


FOLLOW_STARTS: frozenset[FollowState] = frozenset({FollowState.PENDING, FollowState.ACCEPTED})
FOLLOW_MOVES: dict[FollowState, frozenset[FollowState]] = {
    FollowState.PENDING: frozenset({FollowState.ACCEPTED, FollowState.REJECTED, FollowState.REMOVED}),
    FollowState.ACCEPTED: frozenset({FollowState.REJECTED, FollowState.REMOVED}),
    FollowState.REJECTED: frozenset({FollowState.REMOVED}),
    FollowState.REMOVED: frozenset(),
}


class IllegalFollowMove(ValueError):
    """A change of a follow that its life cycle does not allow."""


class Follow(Model):
    id = fields.BigIntField(primary_key=True)
    follower = fields.ForeignKeyField("models.Account", related_name="following_rel", on_delete=fields.CASCADE)
    target = fields.ForeignKeyField("models.Account", related_name="followers_rel", on_delete=fields.CASCADE)
    # The id of the Follow activity, ours or the remote server's.
    uri = fields.CharField(max_length=2048, null=True, unique=True)
    state = fields.CharEnumField(FollowState, max_length=16, default=FollowState.PENDING)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "follows"
        # An account's followers (accepted or asking).
        indexes = (("target_id", "state"),)
        unique_together = (("follower", "target"),)

    @classmethod
    def accepted(cls) -> QuerySet[Follow]:
        """The follows that count: the follower sees followers-only posts and gets deliveries."""
        return cls.filter(state=FollowState.ACCEPTED)

    @classmethod
    def requests(cls) -> QuerySet[Follow]:
        """Follows waiting for an answer."""
        return cls.filter(state=FollowState.PENDING)

    @classmethod
    def between(cls, one_id: int, other_id: int) -> QuerySet[Follow]:
        """The follows either way between two accounts (what a block ends)."""
        return cls.filter(Q(follower_id=one_id, target_id=other_id) | Q(follower_id=other_id, target_id=one_id))


async def start_follow(follower_id: int, target_id: int, state: FollowState, uri: str | None = None) -> Follow:
    """A new follow, ``pending`` or ``accepted``."""
    if state not in FOLLOW_STARTS:
        raise IllegalFollowMove(f"a follow cannot start {state}")
    log.debug("follow %s -> %s starts %s", follower_id, target_id, state, extra={"follow_move": (None, state)})
    return await Follow.create(follower_id=follower_id, target_id=target_id, uri=uri, state=state)


async def move_follow(follow: Follow, to: FollowState) -> bool:
    """Move ``follow`` to the state ``to`` (``removed`` deletes it). False when it is
    already there; ``IllegalFollowMove`` when its life cycle has no such step."""
    if follow.state == to:
        return False
    if to not in FOLLOW_MOVES[follow.state]:
        raise IllegalFollowMove(f"a follow {follow.state} cannot become {to}")
    log.debug("follow %s -> %s: %s to %s", follow.follower_id, follow.target_id, follow.state, to,
              extra={"follow_move": (follow.state, to)})
    if to == FollowState.REMOVED:
        await follow.delete()  # its endorsement goes with the row
    else:
        if follow.state == FollowState.ACCEPTED:  # rejected: what rested on it ends
            await AccountEndorsement.filter(follow_id=follow.pk).delete()
        follow.state = to
        await follow.save(update_fields=["state", "updated_at"])
    return True


async def remove_follows(follows: QuerySet[Follow]) -> int:
    """End every follow ``follows`` selects, whatever its state, in one statement (every
    state but ``removed`` may become ``removed``: checked below; their endorsements go with
    the rows); returns how many."""
    count = await follows.delete()
    log.debug("%d follow(s) removed", count)
    return count


def _check_life_cycle() -> None:
    """Refuse at import a life cycle that ``remove_follows`` or a reader could not rely on."""
    for state in FollowState:
        if state != FollowState.REMOVED and FollowState.REMOVED not in FOLLOW_MOVES[state]:
            raise RuntimeError(f"a {state} follow could not be removed")
    if FOLLOW_MOVES[FollowState.REMOVED]:
        raise RuntimeError("removed is final")


_check_life_cycle()
