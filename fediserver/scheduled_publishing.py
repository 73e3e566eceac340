"""Publishing scheduled statuses when their time comes: the ``scheduled-statuses`` job.

The life of a scheduled status (a ``ScheduledStatus`` row), declared as data below:

    scheduled --due, published--------------------------> gone (its post exists)
    scheduled --due, someone else got there first--------> gone (nothing more to do)
    scheduled --due, refused for good (Outcome.REFUSED)---> gone (dropped: uploads freed, reason logged)
    scheduled --due, a failure that may pass-------------> scheduled (due again after a wait;
                                                            dropped when its schedule gives up)
    scheduled --its artist moves it (PUT)----------------> scheduled at the new time
    scheduled --its artist deletes it (DELETE)-----------> gone (uploads freed)

Due rows are claimed like any queue's (``claim_due``, with a lease), and each is
published through the same door as ``POST /api/v1/statuses``
(``fediserver.posting.publish_new_status``), which takes the row off the schedule
in the transaction that stores the post: a post is published once, even when a second
worker holds the row after a lease ran out. Nobody is notified of a dropped status, as on
Mastodon; the log says why.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING

from fediserver.clock import utcnow
from fediserver.models import Account, ScheduledStatus
from fediserver.models.queue import claim_due
from fediserver.posting import NewStatus, ScheduledStatusGone, drop_scheduled, publish_new_status
from fediserver.refusals import ApiError
from outbox.errors import ActionError
from outbox.lifecycle import RetrySchedule

if TYPE_CHECKING:
    from fediserver.services import Services

log = logging.getLogger(__name__)


class Outcome(StrEnum):
    PUBLISHED = "published"  # its post is stored and its Create queued; the row is gone
    GONE = "gone"  # published by another worker, or deleted or moved by its artist meanwhile
    REFUSED = "refused"  # it can never be posted as asked: the reply's parent is gone, the account suspended...
    TRY_AGAIN = "try_again"  # the database or the network failed; it may pass


class Step(StrEnum):
    """What becomes of the row."""

    REMOVED = "removed"  # nothing left to do (its post exists, or someone else saw to it)
    DROPPED = "dropped"  # deleted unpublished: its uploads freed, the reason logged
    RETRIED = "retried"  # due again after the schedule's wait; dropped when it gives up


TRANSITIONS: dict[Outcome, Step] = {
    Outcome.PUBLISHED: Step.REMOVED,
    Outcome.GONE: Step.REMOVED,
    Outcome.REFUSED: Step.DROPPED,
    Outcome.TRY_AGAIN: Step.RETRIED,
}
# Failures that say the status cannot be posted as asked, whenever it is tried: the door's
# refusals (404 for a post it names that is gone, 422) and the outbox's.
LASTING_FAILURES: tuple[type[Exception], ...] = (ApiError, ActionError)


def classify(error: Exception) -> Outcome:
    """What a failure to publish means for the scheduled status."""
    if isinstance(error, ScheduledStatusGone):
        return Outcome.GONE
    if isinstance(error, LASTING_FAILURES):
        return Outcome.REFUSED
    return Outcome.TRY_AGAIN


@dataclass
class ScheduledStatusPublisher:
    """The ``scheduled-statuses`` job: claims due scheduled statuses and publishes them."""

    services: Services
    batch_size: int = 10
    lease_seconds: float = 300.0
    # After a failure that may pass: a minute, doubled each time, five tries in all.
    schedule: RetrySchedule = field(default_factory=lambda: RetrySchedule(
        first_retry_seconds=60.0, max_attempts=5, give_up_after=timedelta(days=1)))
    name: str = "scheduled-statuses"

    async def run_once(self, now: datetime | None = None) -> int:
        """Publish one batch of due scheduled statuses; returns how many were claimed."""
        now = now or utcnow()
        rows = await claim_due(ScheduledStatus, due_field="scheduled_at", batch=self.batch_size,
                               lease_seconds=self.lease_seconds, now=now)
        for row in rows:
            await self.publish(row, now)
        return len(rows)

    async def publish(self, row: ScheduledStatus, now: datetime | None = None) -> Outcome:
        """Publish one claimed scheduled status and settle the row by the outcome."""
        now = now or utcnow()
        try:
            account = await Account.get(id=row.account_id)
            post = await publish_new_status(account, NewStatus.from_stored(row.params), self.services,
                                            scheduled_id=row.pk)
        except Exception as error:  # one status must not stop the job
            outcome = classify(error)
            await self._settle(row, outcome, error, now)
            return outcome
        log.info("scheduled status %d published as post %d", row.pk, post.pk)
        return Outcome.PUBLISHED

    async def _settle(self, row: ScheduledStatus, outcome: Outcome, error: Exception, now: datetime) -> None:
        step = TRANSITIONS[outcome]
        if step == Step.REMOVED:
            return
        reason = getattr(error, "message", None) or str(error) or type(error).__name__
        attempts = row.attempts + 1
        # The age that counts is from when it came due, not from when it was scheduled.
        retry_at = None if step == Step.DROPPED else self.schedule.next_attempt(attempts, row.scheduled_at, now)
        if retry_at is None:
            await drop_scheduled(row)
            log.warning("scheduled status %d of account %d dropped, not published: %s",
                        row.pk, row.account_id, reason)
            return
        log.warning("publishing scheduled status %d failed (attempt %d), trying again later: %s",
                    row.pk, attempts, reason)
        await ScheduledStatus.filter(id=row.pk).update(attempts=attempts, claimed_until=retry_at, claimed_by=None)


def scheduled_status_jobs(services: Services) -> list[ScheduledStatusPublisher]:
    """The job factory registered with the shell."""
    return [ScheduledStatusPublisher(services)]
