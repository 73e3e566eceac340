"""The inbound job: every stored activity ends done, ignored or failed, once, with a reason."""

from __future__ import annotations

from datetime import timedelta

from fediserver.clock import utcnow
from fediserver.config import settings_from_dict
from fediserver.jobs import build_jobs
from fediserver.models import Favourite, InboundItem, InboundState, Post
from fediserver.services import build_services
from inbox.handlers.posts import handle_create
from inbox.handlers import Forged, Ignored
from inbox.lifecycle import FINAL_STATES, GIVEN_UP, TRANSITIONS, Verdict, inbound_schedule
from inbox.processing import InboundProcessor
from inbox.queue import store_inbound
from tests.inbox.support import PUBLIC, deliver, our_account, remote_actor

BOB = "https://social.example/users/bob"


def create_note(number: int, actor: str = BOB) -> dict:
    return {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{actor}/statuses/{number}/activity",
        "type": "Create",
        "actor": actor,
        "to": [PUBLIC],
        "object": {
            "id": f"{actor}/statuses/{number}",
            "type": "Note",
            "attributedTo": actor,
            "content": f"<p>post {number}</p>",
            "to": [PUBLIC],
            "published": "2026-11-20T10:00:00Z",
        },
    }


async def test_an_activity_delivered_twice_is_applied_once(db):
    await remote_actor(BOB)
    first = await deliver(create_note(1))
    again = await deliver(create_note(1))
    assert first.id == again.id and again.state == InboundState.DONE
    assert await Post.filter(uri=f"{BOB}/statuses/1").count() == 1
    assert await InboundItem.all().count() == 1


async def test_the_same_post_in_a_second_activity_is_not_stored_twice(db):
    await remote_actor(BOB)
    await deliver(create_note(1))
    resent = create_note(1) | {"id": f"{BOB}/statuses/1/activity-again"}
    item = await deliver(resent)
    assert item.state == InboundState.IGNORED and "already stored" in item.last_error
    assert await Post.filter(uri=f"{BOB}/statuses/1").count() == 1


async def test_an_unknown_type_is_kept_as_received_and_ignored(db):
    await remote_actor(BOB)
    activity = {"id": f"{BOB}/x/1", "type": "Lock", "actor": BOB, "object": f"{BOB}/statuses/1"}
    item = await deliver(activity)
    assert item.state == InboundState.IGNORED
    assert item.last_error == "no handler for Lock activities; kept as received"
    assert item.payload == activity


async def test_an_unreadable_activity_fails_with_the_reason(db):
    await remote_actor(BOB)
    relayed: dict = {"id": f"{BOB}/x/0", "type": "Like", "actor": BOB, "object": f"{BOB}/1"}
    for level in range(1, 9):  # typed objects nested deeper than the vocabulary reads
        relayed = {"id": f"{BOB}/x/{level}", "type": "Announce", "actor": BOB, "object": relayed}
    item = await deliver(relayed)
    assert item.state == InboundState.FAILED and item.last_error.startswith("unreadable:")


async def test_an_activity_whose_actor_is_not_its_signer_is_refused(db):
    await remote_actor(BOB)
    item, _ = await store_inbound(create_note(3), actor_uri="https://evil.example/users/mallory", key_id=None)
    await InboundProcessor().run_once()
    item = await InboundItem.get(id=item.id)
    assert item.state == InboundState.FAILED and item.last_error.startswith("forged:")
    assert not await Post.exists()


async def test_an_activity_from_an_unknown_sender_is_ignored(db):
    item = await deliver(create_note(4))
    assert item.state == InboundState.IGNORED and "is not known here" in item.last_error


async def test_a_failing_handler_is_retried_with_growing_delays_then_failed(db):
    await remote_actor(BOB)
    calls = []

    async def broken(inbound):
        calls.append(inbound.activity.id)
        await Post.create(uri="https://half.example/1", account=inbound.sender, published_at=utcnow())
        raise RuntimeError("database hiccup")

    schedule = inbound_schedule(max_attempts=3)
    processor = InboundProcessor(schedule=schedule, handlers={"Create": broken})

    def at_the_latest(attempts: int) -> timedelta:
        return timedelta(seconds=schedule.base_delay(attempts) * (1 + schedule.jitter))

    item, _ = await store_inbound(create_note(5), actor_uri=BOB, key_id=None)
    now = utcnow()
    assert await processor.run_once(now=now) == 1
    item = await InboundItem.get(id=item.id)
    assert item.state == InboundState.PENDING and item.attempts == 1
    assert item.last_error == "RuntimeError: database hiccup"
    assert now + timedelta(seconds=30) <= item.available_at <= now + at_the_latest(1)
    assert not await Post.exists()  # the failed attempt left nothing half-done
    assert await processor.run_once(now=now) == 0  # not due yet

    later = now + at_the_latest(1)
    assert await processor.run_once(now=later) == 1
    later += at_the_latest(2)
    assert await processor.run_once(now=later) == 1
    item = await InboundItem.get(id=item.id)
    assert item.state == InboundState.FAILED and item.attempts == 3
    assert item.last_error == "RuntimeError: database hiccup" and item.payload == create_note(5)
    assert len(calls) == 3
    assert [schedule.base_delay(n) for n in (1, 2, 3)] == [30, 120, 480]  # 30 s, then four times longer


async def test_one_failing_item_does_not_stop_the_others(db):
    await remote_actor(BOB)

    async def fails_on_the_second(inbound):
        if inbound.activity.id == create_note(1)["id"]:
            raise ValueError("cannot")
        await handle_create(inbound)

    processor = InboundProcessor(schedule=inbound_schedule(max_attempts=1), handlers={"Create": fails_on_the_second})
    for number in range(3):
        await store_inbound(create_note(number), actor_uri=BOB, key_id=None)
    assert await processor.run_once() == 3
    states = dict(await InboundItem.all().values_list("activity_uri", "state"))
    assert [states[create_note(n)["id"]] for n in range(3)] == ["done", "failed", "done"]
    assert await Post.all().count() == 2


async def test_the_job_runner_gets_the_inbound_job_with_the_configured_limits(db):
    settings = settings_from_dict(
        {"instance": {"domain": "art.example"},
         "inbox": {"batch_size": 7, "max_attempts": 2, "items_per_transaction": 3, "transaction_seconds": 0.2}},
        environ={}
    )
    services = build_services(settings)
    try:
        jobs = [job for job in build_jobs(services) if job.name == "inbound"]
    finally:
        await services.aclose()
    assert len(jobs) == 1 and jobs[0].batch_size == 7 and jobs[0].schedule.max_attempts == 2
    assert (jobs[0].items_per_transaction, jobs[0].transaction_seconds) == (3, 0.2)


async def test_a_batch_claims_at_most_batch_size_items(db):
    ada = await our_account("ada")
    await remote_actor(BOB)
    post = await Post.create(uri="https://art.example/users/ada/statuses/1", account=ada, published_at=utcnow())
    for number in range(5):
        like = {"id": f"{BOB}/likes/{number}", "type": "Like", "actor": BOB, "object": post.uri}
        await store_inbound(like, actor_uri=BOB, key_id=None)
    processor = InboundProcessor(batch_size=2)
    assert [await processor.run_once() for _ in range(4)] == [2, 2, 1, 0]
    assert await Favourite.filter(post=post).count() == 1  # one account favourites a post once


async def test_every_verdict_moves_an_item_as_the_life_cycle_declares(db):
    """Every state but the final ones has a way out, and the job takes every way declared."""
    assert FINAL_STATES | {InboundState.PENDING} == set(InboundState)
    assert set(TRANSITIONS.values()) | {GIVEN_UP} == set(InboundState)
    await remote_actor(BOB)

    async def ignores(inbound):
        raise Ignored("understood, not acted on")

    async def forged(inbound):
        raise Forged("not the owner")

    async def broken(inbound):
        raise RuntimeError("hiccup")

    processor = InboundProcessor(schedule=inbound_schedule(max_attempts=2), handlers={
        "Create": handle_create, "Like": ignores, "Announce": forged, "Block": broken,
    })
    sent = {
        Verdict.APPLIED: create_note(1),
        Verdict.IGNORED: {"id": f"{BOB}/like/1", "type": "Like", "actor": BOB, "object": f"{BOB}/statuses/1"},
        Verdict.FORGED: {"id": f"{BOB}/announce/1", "type": "Announce", "actor": BOB, "object": f"{BOB}/statuses/1"},
        Verdict.UNREADABLE: {"id": "urn:x:like-2", "type": "Like", "actor": BOB, "object": "x"},
        Verdict.ERROR: {"id": f"{BOB}/block/1", "type": "Block", "actor": BOB, "object": f"{BOB}/x"},
    }
    items = {verdict: (await store_inbound(activity, actor_uri=activity["actor"], key_id=None))[0]
             for verdict, activity in sent.items()}
    await processor.run_once()
    ended = {verdict: (await InboundItem.get(id=item.id)).state for verdict, item in items.items()}
    assert ended == TRANSITIONS

    await processor.run_once(now=utcnow() + timedelta(hours=1))  # the second and last try
    assert (await InboundItem.get(id=items[Verdict.ERROR].id)).state == GIVEN_UP
