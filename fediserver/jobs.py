"""Background jobs: the loops that drain the durable queues, in `run` or in `worker`.

A job kind is anything with a ``name`` and an ``async run_once() -> int`` that does one
batch of work and returns how many items it handled; the runner calls it again at once
while there is work and sleeps a little when there is none. A job kind that keeps work
running between calls also has ``async aclose()``, awaited when the runner stops.
Several processes may run the same job kinds: the queues themselves make claiming safe.
While jobs run, the runner keeps this process recorded as a lease holder and takes back
the leases of workers that are gone (``fediserver.lease_holders``): at start, so a
restarted worker resumes at once what its killed predecessor held, and at every heartbeat.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Protocol

from fediserver.lease_holders import LeaseKeeper
from inbox.processing import inbound_jobs
from inbox.fetch_tasks import fetch_jobs
from fediserver.poll_endings import poll_ending_jobs
from fediserver.push.sending import web_push_jobs
from fediserver.scheduled_publishing import scheduled_status_jobs
from media.remote import remote_media_jobs
from outbox.delivery import delivery_jobs

if TYPE_CHECKING:
    from fediserver.services import Services

log = logging.getLogger(__name__)


class JobKind(Protocol):
    name: str

    async def run_once(self) -> int: ...


class JobRunner:
    def __init__(
        self,
        jobs: Sequence[JobKind],
        *,
        idle_seconds: float = 1.0,
        error_seconds: float = 5.0,
        stop_grace_seconds: float = 30.0,
        leases: LeaseKeeper | None = None,
    ) -> None:
        self.jobs = list(jobs)
        self.leases = leases if leases is not None else (LeaseKeeper() if self.jobs else None)
        self.idle_seconds = idle_seconds
        self.error_seconds = error_seconds
        self.stop_grace_seconds = stop_grace_seconds
        self._stopping = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []

    def start(self) -> None:
        self._stopping.clear()
        self._tasks = [asyncio.create_task(self._loop(job), name=f"job:{job.name}") for job in self.jobs]
        if self.leases is not None:
            self._tasks.append(asyncio.create_task(self._keep_leases(self.leases), name="job:leases"))
        log.info("background jobs started: %s", ", ".join(job.name for job in self.jobs) or "none")

    async def stop(self) -> None:
        """Let each job finish the batch it is in, then stop; a batch still running after
        ``stop_grace_seconds`` is cancelled. Cancelling at once could cut a job off while it
        opens a transaction, which leaves SQLite's connection locked for good."""
        self._stopping.set()
        if self._tasks:
            _finished, unfinished = await asyncio.wait(self._tasks, timeout=self.stop_grace_seconds)
            for task in unfinished:
                task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []
        for job in self.jobs:
            close = getattr(job, "aclose", None)
            if close is not None:
                await close()
        if self.leases is not None:
            try:
                await self.leases.release_own()
            except Exception:
                log.exception("could not hand back this worker's leases; they expire on their own")

    async def wait(self) -> None:
        await self._stopping.wait()

    async def _loop(self, job: JobKind) -> None:
        while not self._stopping.is_set():
            try:
                handled = await job.run_once()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("job %s failed; retrying in %ss", job.name, self.error_seconds)
                await self._sleep(self.error_seconds)
                continue
            if not handled:
                await self._sleep(self.idle_seconds)

    async def _keep_leases(self, leases: LeaseKeeper) -> None:
        while not self._stopping.is_set():
            try:
                await leases.beat()
                await leases.reclaim()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("keeping the lease record failed; trying again at the next heartbeat")
            await self._sleep(leases.heartbeat_seconds)

    async def _sleep(self, seconds: float) -> None:
        try:
            await asyncio.wait_for(self._stopping.wait(), timeout=seconds)
        except TimeoutError:
            pass


# Every room that owns a queue has a factory here: Services -> job kinds.
JOB_FACTORIES: list[Callable[[Services], Sequence[JobKind]]] = [
    inbound_jobs, delivery_jobs, remote_media_jobs, fetch_jobs, scheduled_status_jobs, web_push_jobs,
    poll_ending_jobs,
]


def build_jobs(services: Services) -> list[JobKind]:
    return [job for factory in JOB_FACTORIES for job in factory(services)]
