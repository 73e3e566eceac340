"""The inbound job: claims stored activities and applies each with the handler for its type.

Every claimed ``InboundItem`` ends in one of three states, with the reason in
``last_error`` when it was not applied:

- ``done``: the handler applied it (all its effects in one transaction);
- ``ignored``: no handler for its type, or the handler understood it and chose not to act
  (an unknown post, an object from another origin, a duplicate);
- ``failed``: refused as forged or unreadable, or the handler raised ``max_attempts``
  times (retried in between with growing delays).

The payload always stays in the row as received. Nothing a single item does stops the
loop.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from tortoise.transactions import in_transaction

from federation.errors import VocabError
from federation.vocab import parse_activity
from fediserver.models import Account, InboundItem, InboundState
from fediserver.models.queue import claim_due, utcnow
from inbox.handlers import HANDLERS, Forged, Handler, Ignored, Inbound

log = logging.getLogger(__name__)

FIRST_RETRY_SECONDS = 30.0
MAX_RETRY_SECONDS = 6 * 3600.0


def retry_delay(attempts: int) -> timedelta:
    """How long to wait after the ``attempts``-th failure: 30 s, 2 min, 8 min, ... at most 6 h."""
    return timedelta(seconds=min(FIRST_RETRY_SECONDS * 4 ** (attempts - 1), MAX_RETRY_SECONDS))


@dataclass
class InboundProcessor:
    batch_size: int = 50
    max_attempts: int = 5
    lease_seconds: float = 300.0
    handlers: Mapping[str, Handler] = field(default_factory=lambda: HANDLERS)
    name: str = "inbound"
    # Fetches posts and accounts the handlers meet but do not know (inbox.resolver).
    resolver: Any = None

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
            return await self._finish(item, InboundState.IGNORED, str(reason))
        except Forged as reason:
            log.warning("inbound %s %s refused: %s", item.activity_type, item.activity_uri, reason)
            return await self._finish(item, InboundState.FAILED, f"forged: {reason}")
        except VocabError as error:
            log.warning("inbound %s %s unreadable: %s", item.activity_type, item.activity_uri, error)
            return await self._finish(item, InboundState.FAILED, f"unreadable: {error}")
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
            await handler(Inbound(activity=activity, payload=item.payload, sender=sender,
                                  delivered_to=tuple(item.delivered_to or ()), resolver=self.resolver))
            return await self._finish(item, InboundState.DONE, None)

    async def _finish(self, item: InboundItem, state: InboundState, reason: str | None) -> InboundState:
        await InboundItem.filter(id=item.id).update(
            state=state, last_error=reason, processed_at=utcnow(), claimed_until=None
        )
        return state

    async def _retry_or_fail(self, item: InboundItem, error: Exception, now: datetime) -> InboundState:
        attempts = item.attempts + 1
        reason = f"{type(error).__name__}: {error}"
        if attempts >= self.max_attempts:
            log.error("inbound %s %s failed after %d attempts: %s",
                      item.activity_type, item.activity_uri, attempts, reason, exc_info=error)
            await InboundItem.filter(id=item.id).update(attempts=attempts)
            return await self._finish(item, InboundState.FAILED, reason)
        log.warning("inbound %s %s attempt %d failed, retrying: %s",
                    item.activity_type, item.activity_uri, attempts, reason)
        await InboundItem.filter(id=item.id).update(
            attempts=attempts, last_error=reason, available_at=now + retry_delay(attempts), claimed_until=None
        )
        return InboundState.PENDING


def inbound_jobs(services) -> list[InboundProcessor]:
    """The job factory registered with the job runner."""
    settings = services.settings.inbox
    return [InboundProcessor(batch_size=settings.batch_size, max_attempts=settings.max_attempts)]
