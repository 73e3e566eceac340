"""The life of one delivery job, declared as data: states, what moves it, when it retries.

A job (``Delivery`` row) is ``queued`` until it lands or is given up:

    queued --2xx--------------------------------> delivered
    queued --429, 5xx, timeout, network error--> queued (next attempt after the backoff)
                                                 or failed (attempts or age used up)
    queued --404, 410---------------------------> failed  (the inbox is gone; not retried)
    queued --other 4xx, unsafe URL, no key------> failed  (the peer refuses it; not retried)

``delivered`` and ``failed`` are final. A host whose deliveries fail ``park_after_failures``
times in a row is parked: none of its jobs are claimed until the park ends; a success
clears its count. Everything a worker decides comes from `classify` and `RetrySchedule`.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from fediserver.models import DeliveryState


class Outcome(StrEnum):
    DELIVERED = "delivered"
    TRY_AGAIN = "try_again"  # the host may recover: retry later, counts against host health
    GONE = "gone"  # the inbox no longer exists
    REFUSED = "refused"  # the peer will never take it as sent


# Outcome -> the state the job moves to (TRY_AGAIN stays queued until the schedule is used up).
TRANSITIONS: dict[Outcome, DeliveryState] = {
    Outcome.DELIVERED: DeliveryState.DELIVERED,
    Outcome.TRY_AGAIN: DeliveryState.QUEUED,
    Outcome.GONE: DeliveryState.FAILED,
    Outcome.REFUSED: DeliveryState.FAILED,
}
FINAL_STATES = frozenset({DeliveryState.DELIVERED, DeliveryState.FAILED})
# Outcomes that say something about the host as a whole (for parking).
HOST_FAILURES = frozenset({Outcome.TRY_AGAIN})


def classify(status: int | None) -> Outcome:
    """What an HTTP status (None: no answer at all) means for the job."""
    if status is None or status == 429 or status >= 500:
        return Outcome.TRY_AGAIN
    if 200 <= status < 300:
        return Outcome.DELIVERED
    if status in (404, 410):
        return Outcome.GONE
    return Outcome.REFUSED


@dataclass(frozen=True)
class RetrySchedule:
    """Exponential backoff with jitter, bounded by attempts and by the job's age. The
    delivery queue, the inbound queue (``inbox/lifecycle.py``), the web-push job and the
    scheduled-statuses job each declare one."""

    first_retry_seconds: float = 60.0
    max_retry_seconds: float = 50_400.0
    max_attempts: int = 20
    give_up_after: timedelta = timedelta(days=7)
    jitter: float = 0.2  # up to this share of the delay is added at random
    growth: float = 2.0  # each wait is this many times the one before, up to the cap

    def base_delay(self, attempts: int) -> float:
        """Seconds to wait after ``attempts`` failed attempts (1 or more), without jitter."""
        return min(self.first_retry_seconds * self.growth ** max(attempts - 1, 0), self.max_retry_seconds)

    def delay(self, attempts: int, rng: random.Random | None = None) -> timedelta:
        """Wait before the next try after ``attempts`` failed attempts (1 or more)."""
        base = self.base_delay(attempts)
        spread = (rng or random).uniform(0, self.jitter * base)
        return timedelta(seconds=base + spread)

    def next_attempt(self, attempts: int, created_at: datetime, now: datetime) -> datetime | None:
        """When to try again after ``attempts`` failures, or None to give up."""
        if attempts >= self.max_attempts:
            return None
        when = now + self.delay(attempts)
        if when - created_at > self.give_up_after:
            return None
        return when

    def total_wait(self) -> timedelta:
        """Waiting time from the first to the last attempt, without jitter."""
        return timedelta(seconds=sum(self.base_delay(n) for n in range(1, self.max_attempts)))


@dataclass(frozen=True)
class HostHealth:
    """A host is parked after ``park_after_failures`` host failures in a row, for ``park_seconds``."""

    park_after_failures: int = 10
    park_seconds: float = 300.0

    def park_ends(self, now: datetime) -> datetime:
        """When a host parked at ``now`` may be tried again."""
        return now + timedelta(seconds=self.park_seconds)
