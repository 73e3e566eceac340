"""The inbound job: claims stored activities and applies each with the handler for its type.

Every claimed ``InboundItem`` gets a verdict and moves as ``inbox/lifecycle.py`` declares,
with the reason in ``last_error`` when it was not applied:

- applied (``done``): the handler's effects and the row's state commit together;
- ignored: no handler for its type, or the handler understood it and chose not to act
  (a post that could not be fetched, an object from another origin, a duplicate);
- forged or unreadable (``failed``);
- error: the handler raised; tried again on the inbound retry schedule, then ``failed``.

Claimed items are applied in the order received, several to a transaction
(``inbox.items_per_transaction``, and none taken once it has been open
``inbox.transaction_seconds``: with SQLite it holds the only write lock). Each item runs
in a savepoint of its own, so one that fails takes back only its own effects and live
events (``event_bus.holding``) while the others stay applied; how each ended is written
in the same transaction, one UPDATE for the items that ended alike. Should the
transaction itself fail, its items are applied again one to a transaction.

A post or account a handler needs but does not find (``Unknown``: a boost or like of an
unseen post, the new account of a Move, a quoted post) ends the transaction there (the
items before it committed); it is fetched with the resolver outside any transaction,
and the item applied again at the head of the next one; a fetch the other server may
answer later is retried like an error. The payload always stays in the row as received.
Nothing a single item does stops the loop.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from datetime import datetime

from tortoise import connections
from tortoise.transactions import in_transaction

from federation.errors import VocabError
from federation.vocab import parse_activity
from fediserver import event_bus
from fediserver.clock import utcnow
from fediserver.moderation.domain_blocks import domain_policy
from fediserver.models import Account, InboundItem, InboundState
from fediserver.models.queue import claim_due
from inbox.handlers import HANDLERS, Forged, Handler, Ignored, Inbound
from inbox.handlers.base import Unknown
from inbox.lifecycle import FINAL_STATES, GIVEN_UP, TRANSITIONS, Verdict, inbound_schedule
from inbox.resolver import NotResolved, Resolver
from outbox.lifecycle import RetrySchedule
from outbox.objects import NoteRenderer

if TYPE_CHECKING:
    from fediserver.services import Services

log = logging.getLogger(__name__)

# Posts and accounts fetched for one activity at most (a boost of a quote of a reply...).
MAX_FETCHES_PER_ACTIVITY = 4
# The savepoint each item's handler runs in (``_item_savepoint``).
ITEM_SAVEPOINT = "inbound_item"
# Types whose handlers never change an account: after applying one, the senders read at
# the start of a transaction are still as stored. Any other type (an Update or Delete of
# an actor, a Move), or an item that was not applied, has them read again.
LEAVES_ACCOUNTS_ALONE = frozenset({"Create", "Like", "Announce", "EmojiReact", "Follow", "Accept", "Reject",
                                   "Undo", "Add", "Remove", "Block", "Flag"})


class TemporarilyUnresolved(Exception):
    """Something the activity needs could not be fetched for now (network, 5xx): retried."""


@dataclass
class _Attempt:
    """A claimed item on its way to a verdict, with what was fetched for it so far."""

    item: InboundItem
    fetched: set[str] = field(default_factory=set)
    # Optional things (a quoted post) that could not be fetched: applied without them.
    unresolvable: set[str] = field(default_factory=set)


@dataclass(frozen=True)
class _Ending:
    """How an item ended, as the changes to its row (``processed_at`` is stamped when a
    final state is written)."""

    state: InboundState
    changes: tuple[tuple[str, object], ...]

    @property
    def final(self) -> bool:
        return self.state in FINAL_STATES


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
    # One transaction applies at most this many items, and takes no further item once it
    # has been open this long: on SQLite it holds the only write lock meanwhile
    # (``inbox.items_per_transaction``, ``inbox.transaction_seconds``).
    items_per_transaction: int = 20
    transaction_seconds: float = 0.02

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
        waiting = deque(_Attempt(item) for item in items)
        while waiting:
            await self._apply_run(waiting, self.items_per_transaction, now)
        return len(items)

    async def _apply_run(self, waiting: deque[_Attempt], most: int, now: datetime | None) -> None:
        """Apply items from the front of ``waiting``, in order, in one transaction, each in
        a savepoint of its own, and record how each ended in the same transaction. The run
        stops at ``most`` items, at the time budget, or at an item that needs something
        fetched: that is fetched after the commit and the item goes back to the front."""
        run: list[_Attempt] = []
        missing: Unknown | None = None
        try:
            with event_bus.holding() as events:
                async with in_transaction():
                    started = time.monotonic()
                    senders = await self._senders([attempt.item for attempt in list(waiting)[:most]])
                    endings: list[tuple[InboundItem, _Ending]] = []
                    while waiting and len(run) < most and (
                            not run or time.monotonic() - started < self.transaction_seconds):
                        attempt = waiting.popleft()
                        run.append(attempt)
                        outcome = await self._verdict(attempt, senders, events, now)
                        if isinstance(outcome, Unknown):
                            missing = outcome
                            break
                        endings.append((attempt.item, outcome))
                        if outcome.state != InboundState.DONE or attempt.item.activity_type not in LEAVES_ACCOUNTS_ALONE:
                            senders.clear()
                    await self._record(endings)
                    await events.notify()
                events.send()
        except Exception as error:  # the run's transaction itself failed: nothing of it was kept
            if len(run) > 1:
                log.warning("inbound: a transaction of %d items failed (%s: %s); applying them one by one",
                            len(run), type(error).__name__, error)
                waiting.extendleft(reversed(run))
                for _ in run:
                    await self._apply_run(waiting, 1, now)
            elif run:
                await self._record([(run[0].item, self._retry_or_fail(run[0].item, error, now or utcnow()))])
            return
        if missing is not None:
            await self._after_fetching(run[-1], missing, waiting, now)

    @staticmethod
    async def _senders(items: list[InboundItem]) -> dict[str, Account]:
        """The stored accounts of the items' senders, in one query."""
        uris = {item.actor_uri for item in items}
        if not uris:
            return {}
        return {account.uri: account for account in await Account.filter(uri__in=uris)}

    async def _verdict(self, attempt: _Attempt, senders: dict[str, Account], events: event_bus.HeldEvents,
                       now: datetime | None) -> _Ending | Unknown:
        """Apply one item in a savepoint of the open transaction: how it ended, or what it
        needs fetched. A failing item's effects and live events are undone; nothing it
        raises leaves here."""
        item = attempt.item
        mark = events.mark()
        try:
            await self._apply(item, senders, frozenset(attempt.unresolvable))
            return self._ending(TRANSITIONS[Verdict.APPLIED], None)
        except Unknown as missing:
            events.forget_since(mark)
            return missing
        except Ignored as reason:
            events.forget_since(mark)
            log.info("inbound %s %s ignored: %s", item.activity_type, item.activity_uri, reason)
            return self._ending(TRANSITIONS[Verdict.IGNORED], str(reason))
        except Forged as reason:
            events.forget_since(mark)
            log.warning("inbound %s %s refused: %s", item.activity_type, item.activity_uri, reason)
            return self._ending(TRANSITIONS[Verdict.FORGED], f"forged: {reason}")
        except VocabError as error:
            events.forget_since(mark)
            log.warning("inbound %s %s unreadable: %s", item.activity_type, item.activity_uri, error)
            return self._ending(TRANSITIONS[Verdict.UNREADABLE], f"unreadable: {error}")
        except Exception as error:  # a handler's failure must not stop the loop
            events.forget_since(mark)
            return self._retry_or_fail(item, error, now or utcnow())

    async def _after_fetching(self, attempt: _Attempt, missing: Unknown, waiting: deque[_Attempt],
                              now: datetime | None) -> None:
        """Fetch (outside any transaction) what ``attempt`` found missing; it goes back to
        the front of ``waiting`` to be applied again, or ends ignored or retried."""
        item = attempt.item
        try:
            reason = await self._fetch(missing, attempt.fetched)
        except TemporarilyUnresolved as error:
            await self._record([(item, self._retry_or_fail(item, error, now or utcnow()))])
            return
        if reason is None:
            waiting.appendleft(attempt)
            return
        if missing.optional:
            attempt.unresolvable.add(missing.uri)
            waiting.appendleft(attempt)
            return
        log.info("inbound %s %s ignored: %s", item.activity_type, item.activity_uri, reason)
        await self._record([(item, self._ending(TRANSITIONS[Verdict.IGNORED], reason))])

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

    async def _apply(self, item: InboundItem, senders: dict[str, Account],
                     unresolvable: frozenset[str] = frozenset()) -> None:
        handler = self.handlers.get(item.activity_type)
        if handler is None:
            raise Ignored(f"no handler for {item.activity_type} activities; kept as received")
        activity = parse_activity(item.payload)
        if activity.actor != item.actor_uri:
            raise Forged(f"the activity's actor {activity.actor} is not its signer {item.actor_uri}")
        sender = senders.get(activity.actor) or await Account.get_or_none(uri=activity.actor)
        if sender is None:
            raise Ignored(f"the sender {activity.actor} is not known here")
        if sender.suspended:
            raise Ignored(f"the sender {sender.acct} is suspended")
        if domain_policy().suspends(sender.domain):
            raise Ignored(f"the sender's server {sender.domain} is suspended by a domain block")
        async with _item_savepoint():
            await handler(Inbound(activity=activity, payload=item.payload, sender=sender,
                                  delivered_to=tuple(item.delivered_to or ()), unresolvable=unresolvable,
                                  notes=self.notes))

    @staticmethod
    def _ending(state: InboundState, reason: str | None) -> _Ending:
        return _Ending(state, (("state", state), ("last_error", reason), ("claimed_until", None)))

    def _retry_or_fail(self, item: InboundItem, error: Exception, now: datetime) -> _Ending:
        attempts = item.attempts + 1
        reason = f"{type(error).__name__}: {error}"
        next_attempt = self.schedule.next_attempt(attempts, item.received_at, now)
        if next_attempt is None:
            log.error("inbound %s %s failed after %d attempts: %s",
                      item.activity_type, item.activity_uri, attempts, reason, exc_info=error)
            given_up = self._ending(GIVEN_UP, reason)
            return _Ending(GIVEN_UP, (*given_up.changes, ("attempts", attempts)))
        log.warning("inbound %s %s attempt %d failed, retrying: %s",
                    item.activity_type, item.activity_uri, attempts, reason)
        return _Ending(TRANSITIONS[Verdict.ERROR], (("attempts", attempts), ("last_error", reason),
                                                   ("available_at", next_attempt), ("claimed_until", None)))

    @staticmethod
    async def _record(endings: list[tuple[InboundItem, _Ending]]) -> None:
        """Write how the items ended: one UPDATE for all that ended alike (the applied ones)."""
        stamp = utcnow()
        alike: dict[_Ending, list[int]] = {}
        for item, ending in endings:
            alike.setdefault(ending, []).append(item.id)
        for ending, ids in alike.items():
            changes = dict(ending.changes) | ({"processed_at": stamp} if ending.final else {})
            await InboundItem.filter(id__in=ids).update(**changes)


@asynccontextmanager
async def _item_savepoint() -> AsyncIterator[None]:
    """A savepoint of the open transaction around one item's handler, rolled back to when
    the handler raises, so a failing item undoes only its own effects. It is never
    released (the commit ends it with the transaction): one statement fewer per item."""
    db = connections.get("default")
    await db.execute_query(f"SAVEPOINT {ITEM_SAVEPOINT}")
    try:
        yield
    except Exception:
        await db.execute_query(f"ROLLBACK TO SAVEPOINT {ITEM_SAVEPOINT}")
        raise


def inbound_jobs(services: Services) -> list[InboundProcessor]:
    """The job factory registered with the job runner."""
    settings = services.settings.inbox
    return [InboundProcessor(batch_size=settings.batch_size, schedule=inbound_schedule(settings.max_attempts),
                             lease_seconds=settings.lease_seconds,
                             items_per_transaction=settings.items_per_transaction,
                             transaction_seconds=settings.transaction_seconds,
                             resolver=services.resolver, notes=services.notes)]
