"""The inbound job: claims stored activities and applies each with the handler for its type.

Every claimed ``InboundItem`` gets a verdict and moves as ``inbox/lifecycle.py`` declares,
with the reason in ``last_error`` when it was not applied:

- applied (``done``): the handler's effects and the row's state in one transaction;
- ignored: no handler for its type, or the handler understood it and chose not to act
  (an unknown post, an object from another origin, a duplicate);
- forged or unreadable (``failed``);
- error: the handler raised; tried again on the inbound retry schedule, then ``failed``.

The payload always stays in the row as received. Nothing a single item does stops the
loop.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from datetime import datetime

from tortoise.transactions import in_transaction

from federation.errors import VocabError
from federation.vocab import parse_activity
from fediserver.clock import utcnow
from fediserver.models import Account, InboundItem, InboundState
from fediserver.models.queue import claim_due
from inbox.handlers import HANDLERS, Forged, Handler, Ignored, Inbound
from inbox.lifecycle import GIVEN_UP, TRANSITIONS, Verdict, inbound_schedule
from outbox.lifecycle import RetrySchedule

if TYPE_CHECKING:
    from fediserver.services import Services

log = logging.getLogger(__name__)


@dataclass
class InboundProcessor:
    batch_size: int = 50
    schedule: RetrySchedule = field(default_factory=inbound_schedule)
    lease_seconds: float = 300.0
    handlers: Mapping[str, Handler] = field(default_factory=lambda: HANDLERS)
    name: str = "inbound"

    async def run_once(self, now: datetime | None = None) -> int:
        """Process one batch of due items; returns how many were claimed."""
        items = await claim_due(
            InboundItem,
            due_field="available_at",
            batch=self.batch_size,
            lease_seconds=self.lease_seconds,
            now=now,
            state=InboundState.PENDING,
        )
        for item in items:
            await self.process(item, now=now)
        return len(items)

    async def process(self, item: InboundItem, now: datetime | None = None) -> InboundState:
        """Apply one item and record how it ended."""
        try:
            return await self._apply(item)
        except Ignored as reason:
            log.info("inbound %s %s ignored: %s", item.activity_type, item.activity_uri, reason)
            return await self._finish(item, TRANSITIONS[Verdict.IGNORED], str(reason))
        except Forged as reason:
            log.warning("inbound %s %s refused: %s", item.activity_type, item.activity_uri, reason)
            return await self._finish(item, TRANSITIONS[Verdict.FORGED], f"forged: {reason}")
        except VocabError as error:
            log.warning("inbound %s %s unreadable: %s", item.activity_type, item.activity_uri, error)
            return await self._finish(item, TRANSITIONS[Verdict.UNREADABLE], f"unreadable: {error}")
        except Exception as error:  # a handler's failure must not stop the loop
            return await self._retry_or_fail(item, error, now or utcnow())

    async def _apply(self, item: InboundItem) -> InboundState:
        handler = self.handlers.get(item.activity_type)
        if handler is None:
            raise Ignored(f"no handler for {item.activity_type} activities; kept as received")
        activity = parse_activity(item.payload)
        if activity.actor != item.actor_uri:
            raise Forged(f"the activity's actor {activity.actor} is not its signer {item.actor_uri}")
        sender = await Account.get_or_none(uri=activity.actor)
        if sender is None:
            raise Ignored(f"the sender {activity.actor} is not known here")
        if sender.suspended:
            raise Ignored(f"the sender {sender.acct} is suspended")
        async with in_transaction():
            await handler(Inbound(activity=activity, payload=item.payload, sender=sender))
            return await self._finish(item, TRANSITIONS[Verdict.APPLIED], None)

    async def _finish(self, item: InboundItem, state: InboundState, reason: str | None) -> InboundState:
        await InboundItem.filter(id=item.id).update(
            state=state, last_error=reason, processed_at=utcnow(), claimed_until=None
        )
        return state

    async def _retry_or_fail(self, item: InboundItem, error: Exception, now: datetime) -> InboundState:
        attempts = item.attempts + 1
        reason = f"{type(error).__name__}: {error}"
        next_attempt = self.schedule.next_attempt(attempts, item.received_at, now)
        if next_attempt is None:
            log.error("inbound %s %s failed after %d attempts: %s",
                      item.activity_type, item.activity_uri, attempts, reason, exc_info=error)
            await InboundItem.filter(id=item.id).update(attempts=attempts)
            return await self._finish(item, GIVEN_UP, reason)
        log.warning("inbound %s %s attempt %d failed, retrying: %s",
                    item.activity_type, item.activity_uri, attempts, reason)
        await InboundItem.filter(id=item.id).update(
            attempts=attempts, last_error=reason, available_at=next_attempt, claimed_until=None
        )
        return TRANSITIONS[Verdict.ERROR]


def inbound_jobs(services: Services) -> list[InboundProcessor]:
    """The job factory registered with the job runner."""
    settings = services.settings.inbox
    return [InboundProcessor(batch_size=settings.batch_size, schedule=inbound_schedule(settings.max_attempts))]
