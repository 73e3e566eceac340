"""The life of a follow as ``fediserver.models.social`` declares it: every state but the
final one has a way out, every way out is taken by some real writer (the inbox handlers,
the outbox actions, Move handling), and no writer takes a step the table does not list."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest

from fediserver.models import Follow, FollowState
from fediserver.models.social import FOLLOW_MOVES, FOLLOW_STARTS, IllegalFollowMove, move_follow, start_follow
from outbox import relations
from tests.inbox.support import deliver, our_account, remote_actor

ROOT = Path(__file__).resolve().parents[1]
BOB = "https://social.example/users/bob"
BOB_NEW = "https://new.example/users/bob"
DECLARED = {(None, state) for state in FOLLOW_STARTS} | {
    (state, to) for state, exits in FOLLOW_MOVES.items() for to in exits
}


def test_every_state_but_removed_has_a_way_out_and_can_be_reached():
    final = {state for state, exits in FOLLOW_MOVES.items() if not exits}
    assert final == {FollowState.REMOVED}
    assert set(FOLLOW_MOVES) == set(FollowState)
    reached, frontier = set(FOLLOW_STARTS), list(FOLLOW_STARTS)
    while frontier:
        for to in FOLLOW_MOVES[frontier.pop()] - reached:
            reached.add(to)
            frontier.append(to)
    assert reached == set(FollowState)


def activity(kind: str, number: int, actor: str, obj) -> dict:
    return {"@context": "https://www.w3.org/ns/activitystreams", "id": f"https://social.example/{kind}/{number}",
            "type": kind, "actor": actor, "object": obj}


async def bob_answers(kind: str, follower, number: int) -> None:
    """bob's server answers the follow ``follower`` sent him (Accept or Reject)."""
    request = await Follow.get(follower=follower, target__uri=BOB)
    await deliver(activity(kind, number, BOB, {"id": request.uri, "type": "Follow", "actor": follower.uri,
                                               "object": BOB}))


@pytest.fixture
def moves(caplog):
    """Every step a writer took, as (from, to), read from the life cycle's own log."""
    caplog.set_level(logging.DEBUG, logger="fediserver.models.social")

    def taken() -> set:
        return {record.follow_move for record in caplog.records if hasattr(record, "follow_move")}

    return taken


async def test_every_declared_step_has_a_writer_and_writers_take_no_other(db, moves):
    ada = await our_account("ada", manually_approves_followers=True)
    cy, dan = await our_account("cy"), await our_account("dan")
    bob = await remote_actor(BOB)
    new_bob = await remote_actor(BOB_NEW, alsoKnownAs=[BOB])

    # A remote follower asks; the locked artist rejects, bob asks again, she authorises,
    # then removes him; he asks again and withdraws it himself.
    await deliver(activity("Follow", 1, BOB, ada.uri))
    await relations.reject_follow(ada, bob)
    await deliver(activity("Follow", 2, BOB, ada.uri))
    await relations.authorize_follow(ada, bob)
    await relations.reject_follow(ada, bob)
    await deliver(activity("Follow", 3, BOB, ada.uri))
    await deliver(activity("Undo", 1, BOB, {"id": "https://social.example/Follow/3", "type": "Follow",
                                            "actor": BOB, "object": ada.uri}))
    # Our follows of bob: rejected by his server, accepted the next time, then removed
    # from his followers (a Reject of an accepted follow); asked again and unfollowed.
    await relations.follow(ada, bob)
    await bob_answers("Reject", ada, 1)
    await relations.follow(ada, bob)
    await bob_answers("Accept", ada, 2)
    await bob_answers("Reject", ada, 3)
    await relations.follow(ada, bob)
    await relations.unfollow(ada, bob)
    # A local follow is accepted at once; then bob moves and cy's follow moves with him.
    await relations.follow(cy, dan)
    await relations.unfollow(cy, dan)
    await relations.follow(cy, bob)
    await bob_answers("Accept", cy, 4)
    await deliver(activity("Move", 1, BOB, BOB) | {"target": BOB_NEW})
    assert await Follow.filter(follower=cy, target=new_bob, state=FollowState.PENDING).exists()

    assert moves() == DECLARED


async def test_an_undeclared_step_is_refused_and_changes_nothing(db):
    ada, cy = await our_account("ada"), await our_account("cy")
    follow = await start_follow(cy.pk, ada.pk, FollowState.ACCEPTED)
    await move_follow(follow, FollowState.REJECTED)
    with pytest.raises(IllegalFollowMove, match="rejected cannot become accepted"):
        await move_follow(follow, FollowState.ACCEPTED)
    assert (await Follow.get(id=follow.pk)).state == FollowState.REJECTED
    with pytest.raises(IllegalFollowMove):
        await start_follow(ada.pk, cy.pk, FollowState.REJECTED)
    assert not await Follow.filter(follower=ada).exists()


async def test_an_accept_of_a_follow_already_rejected_is_ignored_with_the_reason(db):
    ada = await our_account("ada")
    bob = await remote_actor(BOB)
    await relations.follow(ada, bob)
    await bob_answers("Reject", ada, 1)
    item = await deliver(activity("Accept", 2, BOB, (await Follow.get(follower=ada)).uri))
    assert item.state == "ignored" and "rejected cannot become accepted" in item.last_error
    assert (await Follow.get(follower=ada)).state == FollowState.REJECTED


def test_only_the_life_cycle_writes_a_follow():
    """Creating, changing or deleting follows anywhere else would bypass the declared steps."""
    writes = re.compile(r"\bFollow\b.*\.(create|update|delete|bulk_create|get_or_create|update_or_create)\(|"
                        r"state\s*=\s*FollowState\.")
    offenders = [
        f"{path.relative_to(ROOT)}:{number}"
        for room in ("fediserver", "inbox", "outbox", "media")
        for path in (ROOT / room).rglob("*.py")
        if "migrations" not in path.parts and path != ROOT / "fediserver" / "models" / "social.py"
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if writes.search(line)
    ]
    assert offenders == []
