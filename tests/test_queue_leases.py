"""Leases on queue rows outlive no worker: a worker that starts takes back at once what a
killed one held, instead of waiting for the lease to run out."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from fediserver.clock import utcnow
from fediserver.jobs import JobRunner
from fediserver.lease_holders import LeaseKeeper
from fediserver.models import Delivery, InboundItem, InboundState, QueueWorker
from fediserver.models.queue import claim_due
from fediserver.process_identity import ProcessIdentity, current
from inbox.processing import InboundProcessor
from inbox.queue import store_inbound
from tests.worker_processes import start_worker, wait_for
from tests.worker_processes import write_config as worker_config

SENDER = "https://far.example/users/bo"
HOUR = timedelta(hours=1)


def likes(count: int) -> list[InboundItem]:
    """Likes of a post nobody here knows, from a sender nobody here knows: each is read,
    judged and recorded as ignored, quickly."""
    now = utcnow()
    return [
        InboundItem(
            origin="https://far.example", activity_uri=f"{SENDER}/likes/{n}", activity_type="Like",
            actor_uri=SENDER, payload={"id": f"{SENDER}/likes/{n}", "type": "Like", "actor": SENDER,
                                       "object": "https://far.example/notes/1"},
            available_at=now,
        )
        for n in range(count)
    ]


def exited_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


async def held_by(identity: ProcessIdentity, *, heartbeat_age: timedelta = timedelta(0)) -> InboundItem:
    """A pending activity claimed for an hour by ``identity``, recorded as a lease holder."""
    await QueueWorker.create(token=identity.token, place=identity.place, pid=identity.pid,
                             process_started=identity.started, heartbeat_at=utcnow() - heartbeat_age)
    item, _ = await store_inbound({"id": f"{SENDER}/likes/{identity.token}", "type": "Like", "actor": SENDER,
                                   "object": "https://far.example/notes/1"}, actor_uri=SENDER, key_id=None)
    await InboundItem.filter(id=item.id).update(claimed_until=utcnow() + HOUR, claimed_by=identity.token)
    return item


async def processed(item: InboundItem) -> bool:
    await InboundProcessor(lease_seconds=3600).run_once()
    return (await InboundItem.get(id=item.id)).state != InboundState.PENDING


async def test_a_claim_records_the_process_holding_it(db):
    await InboundItem.bulk_create(likes(2))
    claimed = await claim_due(InboundItem, due_field="available_at", batch=5, lease_seconds=60)
    assert {row.claimed_by for row in claimed} == {current().token}
    assert await InboundItem.filter(claimed_by=current().token).count() == 2


async def test_the_leases_of_a_worker_whose_process_ended_are_taken_back_at_once(db):
    me = current()
    dead = ProcessIdentity("dead-worker", me.place, exited_pid(), "12345")
    item = await held_by(dead)
    assert not await processed(item)  # held for an hour

    assert await LeaseKeeper().reclaim() == 1

    assert await processed(item)
    assert not await QueueWorker.filter(token="dead-worker").exists()


async def test_a_live_worker_keeps_its_leases_until_its_process_is_killed(db):
    me = current()
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
    try:
        started = Path(f"/proc/{sleeper.pid}/stat").read_text().rpartition(")")[2].split()[19]
        alive = ProcessIdentity("live-worker", me.place, sleeper.pid, started)
        item = await held_by(alive)
        assert await LeaseKeeper().reclaim() == 0
        # The same pid recorded for a process that started at another moment: reused, gone.
        reused = await held_by(ProcessIdentity("older-worker", me.place, sleeper.pid, "1"))
        assert await LeaseKeeper().reclaim() == 1
        assert await processed(reused) and not await processed(item)
    finally:
        sleeper.send_signal(signal.SIGKILL)
        sleeper.wait()
    assert await LeaseKeeper().reclaim() == 1
    assert await processed(item)


async def test_a_worker_elsewhere_is_gone_only_when_its_heartbeat_is_stale(db):
    elsewhere = ProcessIdentity("remote-worker", "other-machine boot ns", os.getpid(), "1")
    item = await held_by(elsewhere, heartbeat_age=timedelta(seconds=30))
    assert await LeaseKeeper(stale_after_seconds=60).reclaim() == 0
    await QueueWorker.filter(token="remote-worker").update(heartbeat_at=utcnow() - timedelta(seconds=61))
    assert await LeaseKeeper(stale_after_seconds=60).reclaim() == 1
    assert await processed(item)


async def test_an_earlier_process_with_our_pid_is_gone(db):
    """In a container a restarted worker often gets the pid its predecessor had."""
    me = current()
    item = await held_by(ProcessIdentity("predecessor", me.place, me.pid, me.started))
    assert await LeaseKeeper().reclaim() == 1
    assert await processed(item)


async def test_a_worker_that_stops_hands_its_leases_back(db):
    await InboundItem.bulk_create(likes(3))
    runner = JobRunner([], leases=LeaseKeeper())
    runner.start()
    await asyncio.sleep(0)
    await claim_due(InboundItem, due_field="available_at", batch=2, lease_seconds=3600)
    await claim_due(Delivery, due_field="next_attempt_at", batch=2, lease_seconds=3600)
    await runner.stop()
    assert not await InboundItem.filter(claimed_until__isnull=False).exists()
    assert not await QueueWorker.filter(token=current().token).exists()


# A real worker process, killed while it holds leases, then started again.

BATCH = 400


def write_config(folder: Path, database_url: str) -> Path:
    return worker_config(folder, database_url, f"[inbox]\nbatch_size = {BATCH}\nlease_seconds = 3600.0\n")


async def test_a_worker_killed_holding_leases_is_resumed_at_once_by_the_next(db, tmp_path):
    """The lease is an hour: only taking back the dead worker's leases lets the next
    worker finish within the wait."""
    if not Path("/proc/self/stat").exists():
        pytest.skip("needs /proc to tell a dead worker from a live one")
    await InboundItem.bulk_create(likes(2 * BATCH))
    config = write_config(tmp_path, db)

    async def some_processed() -> bool:
        return await InboundItem.exclude(state=InboundState.PENDING).exists()

    first = start_worker(config, tmp_path / "worker.log")
    try:
        await wait_for(some_processed, "the first worker to apply something")
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait()
    held = await InboundItem.filter(state=InboundState.PENDING, claimed_until__gt=utcnow() + HOUR / 2).count()
    assert held, "the worker finished its batch before it could be killed"

    async def all_processed() -> bool:
        return not await InboundItem.filter(state=InboundState.PENDING).exists()

    second = start_worker(config, tmp_path / "worker.log")
    try:
        await wait_for(all_processed, "the next worker to apply what the killed one held")
    finally:
        second.terminate()
        second.wait()
    assert await InboundItem.filter(state=InboundState.IGNORED).count() == 2 * BATCH
    assert second.returncode == 0, (tmp_path / "worker.log").read_text()[-2000:]
    assert not await QueueWorker.exists()  # the dead one removed, the stopped one gone cleanly
