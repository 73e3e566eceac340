"""Real `fediserver worker` processes delivering to real inboxes: killed mid-fan-out, and
two at once on PostgreSQL."""

from __future__ import annotations

import signal
from contextlib import AsyncExitStack
from pathlib import Path

import pytest

from fediserver.db import database_kind
from fediserver.models import Delivery, DeliveryState
from outbox import builders
from outbox.publish import publish
from tests.outbox.conftest import FAR_AUTHOR, trusting
from tests.worker_processes import start_worker, wait_for
from tests.worker_processes import write_config as worker_config

BATCH = 3


def write_config(folder: Path, database_url: str) -> Path:
    return worker_config(folder, database_url, f"""
[federation]
allow_private_addresses = true
request_timeout_seconds = 1.0
[delivery]
batch_size = {BATCH}
concurrency = {BATCH}
per_host_concurrency = 1
""")


async def all_delivered() -> bool:
    return not await Delivery.exclude(state=DeliveryState.DELIVERED).exists()


async def test_a_killed_worker_leaves_nothing_undelivered(ada, db, tmp_path):
    config = write_config(tmp_path, db)
    async with AsyncExitStack() as stack:
        receivers = [await stack.enter_async_context(trusting(ada, pause_seconds=0.3)) for _ in range(12)]
        activity = builders.like(ada, "https://far.example/notes/1", FAR_AUTHOR)
        await publish(activity, actor=ada, inboxes=[r.inbox for r in receivers])

        def arrived() -> int:
            return sum(len(r.accepted()) for r in receivers)

        async def some_arrived() -> bool:
            return arrived() >= 4

        first = start_worker(config, tmp_path / "worker.log")
        try:
            await wait_for(some_arrived, "the first deliveries")
        finally:
            first.send_signal(signal.SIGKILL)
            first.wait()
        assert arrived() < len(receivers), "the worker finished before it could be killed"

        second = start_worker(config, tmp_path / "worker.log")
        try:
            await wait_for(all_delivered, "every delivery after the restart")
        finally:
            second.terminate()
            second.wait()

        copies = [r.accepted_ids().count(activity["id"]) for r in receivers]
        assert all(count >= 1 for count in copies)
        # Only jobs in flight when the worker died may arrive twice.
        assert sum(copies) - len(receivers) <= BATCH
    deliveries = await Delivery.all()
    assert len(deliveries) == len(receivers)
    assert all(d.state == DeliveryState.DELIVERED and d.delivered_at for d in deliveries)


async def test_two_workers_never_send_the_same_job_at_once(ada, db, tmp_path):
    if database_kind(db) != "postgresql":
        pytest.skip("several workers share one database on PostgreSQL; SQLite serves one worker")
    config = write_config(tmp_path, db)
    async with AsyncExitStack() as stack:
        receivers = [await stack.enter_async_context(trusting(ada, pause_seconds=0.1)) for _ in range(8)]
        activities = [builders.like(ada, f"https://far.example/notes/{i}", FAR_AUTHOR) for i in range(5)]
        for activity in activities:
            await publish(activity, actor=ada, inboxes=[r.inbox for r in receivers])

        workers = [start_worker(config, tmp_path / f"worker{i}.log") for i in range(2)]
        try:
            await wait_for(all_delivered, "every delivery")
        finally:
            for worker in workers:
                worker.terminate()
                worker.wait()

        expected = sorted(a["id"] for a in activities)
        for receiver in receivers:
            assert sorted(receiver.accepted_ids()) == expected
            assert max(receiver.most_in_flight.values()) == 1
