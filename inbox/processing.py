"""The inbound job: claims stored activities and applies each with the handler for its type.

Every claimed ``InboundItem`` ends in one of three states, with the reason in
``last_error`` when it was not applied:

- ``done``: the handler applied it (all its effects in one transaction);
- ``ignored``: no handler for its type, or the handler understood it and chose not to act
  (a post that could not be fetched, an object from another origin, a duplicate);
- ``failed``: refused as forged or unreadable, or the handler raised ``max_attempts``
  times (retried in between with growing delays).

A post or account a handler needs but does not find (``Unknown``: a boost or like of an
unseen post, the new account of a Move, a quoted post) is fetched with the resolver
outside the handler's transaction, and the item applied again; a fetch the other
server may answer later is retried with the item. The payload always stays in the row
as received. Nothing a single item does stops the loop.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from tortoise.transactions import in_transaction

from federation.errors import VocabError
from federation.vocab import parse_activity
from fediserver.clock import utcnow
from fediserver.models import Account, InboundItem, InboundState
from fediserver.models.queue import claim_due
from inbox.handlers import HANDLERS, Forged, Handler, Ignored, Inbound
from inbox.handlers.base import Unknown
from inbox.resolver import NotResolved, Resolver
from outbox.objects import NoteRenderer

log = logging.getLogger(__name__)

FIRST_RETRY_SECONDS = 30.0
MAX_RETRY_SECONDS = 6 * 3600.0
# Posts and accounts fetched for one activity at most (a boost of a quote of a reply...).
MAX_FETCHES_PER_ACTIVITY = 4


class TemporarilyUnresolved(Exception):
    """Something the activity needs could not be fetched for now (network, 5xx): retried."""


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
                return await self._finish(item, InboundState.IGNORED, reason)
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
        async with in_transaction():
            await handler(Inbound(activity=activity, payload=item.payload, sender=sender,
                                  delivered_to=tuple(item.delivered_to or ()), unresolvable=unresolvable,
                                  notes=self.notes))
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
    return [InboundProcessor(batch_size=settings.batch_size, max_attempts=settings.max_attempts,
                             resolver=services.resolver, notes=services.notes)]
