"""Worker processes as holders of queue leases: recorded, kept alive, and taken over when gone.

A worker claims rows for a lease (``inbox.lease_seconds`` for received activities); if
it dies holding them, waiting for the lease to run out would hold those rows back for
minutes. So each process running jobs records itself as a ``QueueWorker`` and beats
every ``heartbeat_seconds``. When a worker starts, and at every beat, it looks at the
other holders: one that ran on this machine and whose process no longer runs (killed,
crashed, restarted) is gone at once; one elsewhere is gone when its heartbeat is older
than ``stale_after_seconds``. The leases a gone holder held are released, so its rows
are due again, and its record is removed. A worker that stops cleanly releases its
own leases the same way.

Rows are only ever taken from a holder known to be gone; a live but slow worker keeps
its leases until they expire, as before.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from tortoise.models import Model

from fediserver.clock import utcnow
from fediserver.models import Delivery, InboundItem, QueueWorker, ScheduledStatus, WebPushDelivery
from fediserver.process_identity import ProcessIdentity, current, still_runs

log = logging.getLogger(__name__)

# The queue tables that record who holds each lease.
LEASED_TABLES: tuple[type[Model], ...] = (InboundItem, Delivery, ScheduledStatus, WebPushDelivery)


class LeaseKeeper:
    def __init__(
        self,
        *,
        heartbeat_seconds: float = 10.0,
        stale_after_seconds: float = 60.0,
        identity: ProcessIdentity | None = None,
    ) -> None:
        self.heartbeat_seconds = heartbeat_seconds
        self.stale_after = timedelta(seconds=stale_after_seconds)
        self.identity = identity or current()

    async def beat(self, now: datetime | None = None) -> None:
        """Record this process as alive now (again, if another worker took it for gone)."""
        now = now or utcnow()
        me = self.identity
        updated = await QueueWorker.filter(token=me.token).update(heartbeat_at=now)
        if not updated:
            await QueueWorker.create(
                token=me.token, place=me.place, pid=me.pid, process_started=me.started, heartbeat_at=now
            )

    def is_gone(self, holder: QueueWorker, now: datetime) -> bool:
        if holder.token == self.identity.token:
            return False
        runs = still_runs(holder.place, holder.pid, holder.process_started)
        if runs is not None:
            return not runs
        return now - holder.heartbeat_at > self.stale_after

    async def reclaim(self, now: datetime | None = None) -> int:
        """Release the leases of holders that are gone; returns how many rows are due again."""
        now = now or utcnow()
        gone = [holder for holder in await QueueWorker.all() if self.is_gone(holder, now)]
        if not gone:
            return 0
        released = await _release([holder.token for holder in gone])
        await QueueWorker.filter(id__in=[holder.id for holder in gone]).delete()
        for holder in gone:
            log.info("worker %s (pid %d on %s) is gone; its leases are released",
                     holder.token[:8], holder.pid, holder.place.split(" ", 1)[0])
        if released:
            log.warning("took back %d queue rows from workers that are gone", released)
        return released

    async def release_own(self) -> None:
        """On a clean stop: hand back this process's leases and remove its record."""
        await _release([self.identity.token])
        await QueueWorker.filter(token=self.identity.token).delete()


async def _release(tokens: list[str]) -> int:
    released = 0
    for table in LEASED_TABLES:
        released += await table.filter(claimed_by__in=tokens, claimed_until__isnull=False).update(
            claimed_until=None, claimed_by=None
        )
    return released
