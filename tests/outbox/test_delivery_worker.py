"""The delivery worker against real inboxes on loopback: outcomes, retries, parking, signatures."""

from __future__ import annotations

from datetime import timedelta

import asyncio

import pytest

from fediserver.models import Delivery, DeliveryState, Domain
from federation.signatures import Generation
from outbox import builders
from outbox.lifecycle import RetrySchedule
from outbox.publish import publish
from tests.interop.harness import wait_until
from tests.outbox.conftest import FAR_AUTHOR, Clock, trusting


async def deliver_due(worker) -> int:
    """Start the due jobs and wait for their outcomes; how many were started."""
    started = await worker.run_once()
    await worker.drain()
    return started


async def send_like(ada, inboxes, n: int = 1):
    records = []
    for i in range(n):
        activity = builders.like(ada, f"https://far.example/notes/{i}", FAR_AUTHOR)
        records.append(await publish(activity, actor=ada, inboxes=inboxes))
    return records


async def test_a_signed_activity_reaches_every_inbox_once(ada, worker_factory):
    async with trusting(ada) as one, trusting(ada) as two:
        [record] = await send_like(ada, [one.inbox, two.inbox])
        assert await deliver_due(worker_factory()) == 2
        for receiver in (one, two):
            assert receiver.accepted_ids() == [record.uri]
            assert receiver.accepted()[0].signer == ada.uri
    deliveries = await Delivery.filter(activity=record)
    assert {(d.state, d.attempts, d.last_status) for d in deliveries} == {(DeliveryState.DELIVERED, 1, 202)}


async def test_a_receiver_failing_twice_gets_the_activity_once_after_backing_off(ada, worker_factory):
    clock = Clock()
    worker = worker_factory(clock)
    # Each failed attempt is two requests: the second knock with the other signature kind.
    async with trusting(ada, script=[503, 503, 500, 500]) as flaky:
        [record] = await send_like(ada, [flaky.inbox])
        waits = []
        while True:
            assert await deliver_due(worker) == 1
            job = await Delivery.get(activity=record)
            if job.state != DeliveryState.QUEUED:
                break
            waits.append(job.next_attempt_at - clock.now)
            clock.now = job.next_attempt_at
        assert flaky.accepted_ids() == [record.uri]
    assert job.state == DeliveryState.DELIVERED and job.attempts == 3
    assert timedelta(seconds=30) <= waits[0] < waits[1] <= timedelta(seconds=60 * 1.2)
    assert await deliver_due(worker) == 0


@pytest.mark.parametrize("status", [404, 410])
async def test_a_gone_inbox_is_not_retried(ada, worker_factory, status):
    clock = Clock()
    worker = worker_factory(clock)
    async with trusting(ada, then=status) as gone:
        [record] = await send_like(ada, [gone.inbox])
        await deliver_due(worker)
        clock.advance(days=8)
        assert await deliver_due(worker) == 0
        assert len(gone.arrivals) == 1
    job = await Delivery.get(activity=record)
    assert (job.state, job.last_status, job.attempts) == (DeliveryState.FAILED, status, 1)
    assert str(status) in job.last_error


async def test_other_client_errors_are_final_and_say_why(ada, worker_factory):
    async with trusting(ada, then=422) as picky:
        [record] = await send_like(ada, [picky.inbox])
        await deliver_due(worker_factory())
    job = await Delivery.get(activity=record)
    assert job.state == DeliveryState.FAILED and job.last_error == "HTTP 422"


async def test_an_unreachable_host_is_retried_then_given_up_with_the_reason(ada, worker_factory):
    clock = Clock()
    worker = worker_factory(clock, max_attempts=3, park_after_failures=100)
    async with trusting(ada) as receiver:
        closed_inbox = receiver.inbox
    [record] = await send_like(ada, [closed_inbox])
    for _ in range(3):
        clock.advance(days=1)
        assert await deliver_due(worker) == 1
    job = await Delivery.get(activity=record)
    assert job.state == DeliveryState.FAILED and job.attempts == 3
    assert job.last_error.startswith("gave up after 3 attempts") and "cannot connect" in job.last_error


async def test_a_parked_host_waits_until_the_park_ends_and_a_success_clears_it(ada, worker_factory):
    clock = Clock()
    worker = worker_factory(clock, batch_size=2, per_host_concurrency=1, park_after_failures=2, park_seconds=600.0)
    async with trusting(ada, then=503) as down, trusting(ada) as healthy:
        await send_like(ada, [down.inbox], n=3)
        assert await deliver_due(worker) == 2
        host = await Domain.get(name=down.host)
        assert host.consecutive_failures == 2 and host.parked_until == clock.now + timedelta(seconds=600)
        requests_so_far = len(down.arrivals)

        clock.advance(seconds=300)  # the retries are due, the park is not over
        [other] = await send_like(ada, [healthy.inbox])
        assert await deliver_due(worker) == 1
        assert len(down.arrivals) == requests_so_far and healthy.accepted_ids() == [other.uri]

        clock.advance(seconds=301)
        down.then = 202
        assert await deliver_due(worker) == 2
        assert len(down.accepted()) == 2
    host = await Domain.get(name=down.host)
    assert host.consecutive_failures == 0 and host.parked_until is None and host.last_success_at == clock.now


async def test_the_signature_kind_a_host_accepts_is_remembered_across_workers(ada, worker_factory):
    async with trusting(ada, understands=frozenset({Generation.CAVAGE})) as old_style:
        first, second = await send_like(ada, [old_style.inbox], n=2)
        await deliver_due(worker_factory(batch_size=1))
        assert [a.generation for a in old_style.arrivals] == [Generation.RFC9421, Generation.CAVAGE]
        assert (await Domain.get(name=old_style.host)).signature_generation == Generation.CAVAGE.value
        await deliver_due(worker_factory(batch_size=1))
        assert [(a.generation, a.status) for a in old_style.arrivals[2:]] == [(Generation.CAVAGE, 202)]
        assert old_style.accepted_ids() == [first.uri, second.uri]


async def test_a_blocked_host_gets_nothing(ada, worker_factory):
    async with trusting(ada) as receiver:
        await Domain.create(name=receiver.host, blocked=True)
        [record] = await send_like(ada, [receiver.inbox])
        await deliver_due(worker_factory())
        assert receiver.arrivals == []
    job = await Delivery.get(activity=record)
    assert job.state == DeliveryState.FAILED and "blocked" in job.last_error


def test_the_default_schedule_gives_up_after_about_a_week():
    schedule = RetrySchedule()
    assert timedelta(days=5) < schedule.total_wait() < timedelta(days=7)
    delays = [schedule.delay(n) for n in range(1, 20)]
    assert all(a <= b * 1.2 for a, b in zip(delays, delays[1:]))
    assert max(delays) <= timedelta(seconds=50_400 * 1.2)


async def test_a_slow_host_does_not_hold_up_the_others(ada, worker_factory):
    gate = asyncio.Event()
    async with trusting(ada, gate=gate) as slow, trusting(ada) as quick:
        [to_slow] = await send_like(ada, [slow.inbox])
        [to_quick] = await send_like(ada, [quick.inbox])
        worker = worker_factory()
        assert await worker.run_once() == 2
        await wait_until(lambda: Delivery.filter(activity=to_quick, state=DeliveryState.DELIVERED).exists())
        assert (await Delivery.get(activity=to_slow)).state == DeliveryState.QUEUED and slow.arrivals == []
        gate.set()
        await worker.drain()
        assert slow.accepted_ids() == [to_slow.uri]
    assert (await Delivery.get(activity=to_slow)).state == DeliveryState.DELIVERED


async def test_a_job_whose_lease_ran_short_in_line_is_handed_back_untried(ada, worker_factory):
    clock = Clock()
    gate = asyncio.Event()
    worker = worker_factory(clock, per_host_concurrency=1, batch_size=2)
    async with trusting(ada, gate=gate) as slow:
        first, second = await send_like(ada, [slow.inbox], n=2)
        assert await worker.run_once() == 2
        await wait_until(lambda: slow.in_flight[first.uri])
        clock.advance(seconds=worker.config.lease_seconds - 1)
        gate.set()
        await worker.drain()
        assert slow.accepted_ids() == [first.uri]
    waiting = await Delivery.get(activity=second)
    assert (waiting.state, waiting.attempts, waiting.claimed_until) == (DeliveryState.QUEUED, 0, None)


async def test_a_stopping_worker_lets_started_deliveries_finish(ada, worker_factory):
    gate = asyncio.Event()
    async with trusting(ada, gate=gate) as slow:
        [record] = await send_like(ada, [slow.inbox])
        worker = worker_factory()
        assert await worker.run_once() == 1
        await wait_until(lambda: slow.in_flight[record.uri])
        stopping = asyncio.create_task(worker.aclose())
        gate.set()
        await stopping
        assert slow.accepted_ids() == [record.uri]
    assert (await Delivery.get(activity=record)).state == DeliveryState.DELIVERED
