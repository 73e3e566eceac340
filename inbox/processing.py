"""The inbound job: claims stored activities and applies each with the handler for its type.

Every claimed ``InboundItem`` gets a verdict and moves as ``inbox/lifecycle.py`` declares,
with the reason in ``last_error`` when it was not applied:

- applied (``done``): the handler's effects and the row's state in one transaction;
- ignored: no handler for its type, or the handler understood it and chose not to act
  (a post that could not be fetched, an object from another origin, a duplicate);
- forged or unreadable (``failed``);
- error: the handler raised; tried again on the inbound retry schedule, then ``failed``.

A post or account a handler needs but does not find (``Unknown``: a boost or like of an
unseen post, the new account of a Move, a quoted post) is fetched with the resolver
outside the handler's transaction, and the item applied again; a fetch the other
server may answer later is retried like an error. The payload always stays in the row
as received. Nothing a single item does stops the loop.
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
from fediserver.moderation.domain_blocks import domain_policy
from fediserver.models import Account, InboundItem, InboundState
from fediserver.models.queue import claim_due
from inbox.handlers import HANDLERS, Forged, Handler, Ignored, Inbound
from inbox.handlers.base import Unknown
from inbox.lifecycle import GIVEN_UP, TRANSITIONS, Verdict, inbound_schedule
from inbox.resolver import NotResolved, Resolver
from outbox.lifecycle import RetrySchedule
from outbox.objects import NoteRenderer

if TYPE_CHECKING:
    from fediserver.services import Services

log = logging.getLogger(__name__)

# Posts and accounts fetched for one activity at most (a boost of a quote of a reply...).
MAX_FETCHES_PER_ACTIVITY = 4


class TemporarilyUnresolved(Exception):
    """Something the activity needs could not be fetched for now (network, 5xx): retried."""


@dataclass
class InboundProcessor:
    batch_size: int = 50
    schedule: RetrySchedule = field(default_factory=inbound_schedule)
    lease_seconds: float = 300.0
    handlers: Mapping[str, Handler] = field(default_factory=lambda: HANDLERS)
    name: str = "inbound"
    # Fetches the posts and accounts handlers need but find unknown (inbox.resolver).
    resolver: Resolver | None = None
    # Renders our posts for the Updates handlers send (Services.notes).
    notes: NoteRenderer | None = None

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
        """Apply one item and record how it ended; what it needs and we lack is fetched
        (outside the handler's transaction) and the item applied again."""
        unresolvable: set[str] = set()
        fetched: set[str] = set()
        while True:
            try:
                return await self._apply(item, frozenset(unresolvable))
            except Unknown as missing:
                try:
                    reason = await self._fetch(missing, fetched)
                except TemporarilyUnresolved as error:
                    return await self._retry_or_fail(item, error, now or utcnow())
                if reason is None:
                    continue
                if missing.optional:
                    unresolvable.add(missing.uri)
                    continue
                log.info("inbound %s %s ignored: %s", item.activity_type, item.activity_uri, reason)
                return await self._finish(item, TRANSITIONS[Verdict.IGNORED], reason)
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

    async def _fetch(self, missing: Unknown, fetched: set[str]) -> str | None:
        """Fetch what a handler found missing; None when it is now stored, else why not.
        Raises ``TemporarilyUnresolved`` when the other server may answer later."""
        if self.resolver is None:
            return f"{missing}; not fetched"
        if missing.uri in fetched or len(fetched) >= MAX_FETCHES_PER_ACTIVITY:
            return f"{missing}, even after fetching it"
        fetched.add(missing.uri)
        try:
            if missing.kind == "account":
                await self.resolver.account(missing.uri, refresh=missing.stale)
            else:
                await self.resolver.post(missing.uri)
        except NotResolved as reason:
            if reason.temporary:
                raise TemporarilyUnresolved(str(reason)) from None
            return f"{missing}: {reason}"
        return None

    async def _apply(self, item: InboundItem, unresolvable: frozenset[str] = frozenset()) -> InboundState:
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
        if domain_policy().suspends(sender.domain):
            raise Ignored(f"the sender's server {sender.domain} is suspended by a domain block")
        async with in_transaction():
            await handler(Inbound(activity=activity, payload=item.payload, sender=sender,
                                  delivered_to=tuple(item.delivered_to or ()), unresolvable=unresolvable,
                                  notes=self.notes))
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
    return [InboundProcessor(batch_size=settings.batch_size, schedule=inbound_schedule(settings.max_attempts),
                             lease_seconds=settings.lease_seconds,
                             resolver=services.resolver, notes=services.notes)]
