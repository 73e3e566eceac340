"""The life of one received activity, declared as data: states, verdicts, retries.

An ``InboundItem`` is ``pending`` from the moment the inbox stores it until the inbound
job has a verdict:

    pending --applied------------------------------> done
    pending --ignored (understood, not acted on)----> ignored
    pending --forged, unreadable-------------------> failed   (never retried)
    pending --the handler raised-------------------> pending  (again after the backoff)
                                                     or failed (attempts used up)

``done``, ``ignored`` and ``failed`` are final; the payload stays in the row whatever
happens. Retries follow a ``RetrySchedule``, the type the delivery queue uses: 30 s, then
four times longer each time (2 min, 8 min, 32 min...), at most 6 h apart, up to
``inbox.max_attempts`` tries.
"""

from __future__ import annotations

from datetime import timedelta
from enum import StrEnum

from fediserver.models import InboundState
from outbox.lifecycle import RetrySchedule


class Verdict(StrEnum):
    APPLIED = "applied"
    IGNORED = "ignored"
    FORGED = "forged"
    UNREADABLE = "unreadable"
    ERROR = "error"  # the handler raised: tried again while the schedule allows


# Verdict -> the state the item moves to (ERROR stays pending until the schedule is used up).
TRANSITIONS: dict[Verdict, InboundState] = {
    Verdict.APPLIED: InboundState.DONE,
    Verdict.IGNORED: InboundState.IGNORED,
    Verdict.FORGED: InboundState.FAILED,
    Verdict.UNREADABLE: InboundState.FAILED,
    Verdict.ERROR: InboundState.PENDING,
}
# What a retried item becomes when the schedule gives up.
GIVEN_UP = InboundState.FAILED
FINAL_STATES = frozenset({InboundState.DONE, InboundState.IGNORED, InboundState.FAILED})


def inbound_schedule(max_attempts: int = 5) -> RetrySchedule:
    """The inbound queue's retries, with ``inbox.max_attempts`` tries in all."""
    return RetrySchedule(
        first_retry_seconds=30.0,
        growth=4.0,
        max_retry_seconds=6 * 3600.0,
        max_attempts=max_attempts,
        give_up_after=timedelta(days=7),
    )
