"""Something happened that live readers may want to hear of: a post was created, edited
or deleted, a notification was made. The places that record those acts tell this bus;
the streaming API (``fediserver.streaming``) listens.

An event names rows by id only (``Event``); listeners read the rows themselves, so what
reaches a reader is always what is stored, and an event of a write that was rolled back
finds nothing and is dropped.

Two carriers, chosen by the database in use, no other service needed:

- PostgreSQL: ``pg_notify`` on the writer's own connection, so the event leaves only
  when the writer's transaction commits; every web process ``LISTEN``s on one asyncpg
  connection of its own (``PostgresListener``), so a post stored by a worker process
  or another web process reaches the streams of all of them.
- SQLite: fan-out inside the process, on the next turn of the event loop. A reader's
  query waits for the writer's transaction (SQLite's connection is shared and locked),
  so listeners see committed rows. Events of a separate ``fediserver worker`` process do
  not reach the web process; with SQLite, let the web process run the jobs (the default).

A writer that applies many acts in one transaction, each in a savepoint of its own (the
inbound job), holds its events (``holding``): those of an act it rolls back are left out
(on SQLite a rolled-back row's id may be taken again at once by the next act, so its
event would name another row), the others are notified together, in order, just before
the commit on PostgreSQL (one ``pg_notify`` statement for all) and handed to this
process's listeners once it has committed on SQLite.
"""

from __future__ import annotations

import asyncio
import contextvars
import json
import logging
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass

from tortoise import connections
from tortoise.backends.base.client import BaseDBAsyncClient

log = logging.getLogger("fediserver.event_bus")

CHANNEL = "fediserver_events"

POST_CREATED = "post.created"
POST_UPDATED = "post.updated"
POST_DELETED = "post.deleted"
NOTIFICATION_CREATED = "notification.created"


@dataclass(frozen=True)
class Event:
    kind: str
    # The post or notification the event is about.
    id: int
    # For a deleted post that may be gone from the database: who wrote it, and the post
    # it boosted, so listeners can still tell who was shown it.
    account_id: int | None = None
    boost_of_id: int | None = None

    def to_json(self) -> str:
        return json.dumps({k: v for k, v in asdict(self).items() if v is not None}, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> Event | None:
        try:
            fields = json.loads(text)
            return cls(kind=str(fields["kind"]), id=int(fields["id"]), account_id=fields.get("account_id"),
                       boost_of_id=fields.get("boost_of_id"))
        except (ValueError, KeyError, TypeError):
            return None


Handler = Callable[[Event], Awaitable[None]]
# Each handler with the context it was added in: it runs there, never inside the
# context of the writer (whose transaction may still be open).
_handlers: dict[Handler, contextvars.Context] = {}


def add_handler(handler: Handler) -> None:
    """Call ``handler`` for every event this process hears of."""
    _handlers.setdefault(handler, contextvars.copy_context())


def remove_handler(handler: Handler) -> None:
    _handlers.pop(handler, None)


class HeldEvents:
    """The events of a transaction still open: ``notify`` them just before its commit,
    ``send`` them just after; ``mark`` and ``forget_since`` leave out those of a
    rolled-back savepoint."""

    def __init__(self) -> None:
        self._events: list[Event] = []
        self._notified = False

    def keep(self, event: Event) -> None:
        self._events.append(event)

    def mark(self) -> int:
        return len(self._events)

    def forget_since(self, mark: int) -> None:
        del self._events[mark:]

    async def notify(self) -> None:
        """On PostgreSQL, queue the held events on the open transaction in one statement
        (they leave when it commits); elsewhere nothing."""
        db = connections.get("default")
        if db.capabilities.dialect != "postgres" or not self._events:
            return
        await db.execute_query(
            "SELECT pg_notify($1, payload) FROM unnest($2::text[]) WITH ORDINALITY AS held(payload, position)"
            " ORDER BY position",
            [CHANNEL, [event.to_json() for event in self._events]])
        self._notified = True
        self._events = []

    def send(self) -> None:
        """After the commit: hand the held events to this process's listeners (SQLite)."""
        events, self._events = self._events, []
        if _handlers and not self._notified:
            loop = asyncio.get_running_loop()
            for event in events:
                loop.call_soon(_deliver, event)


_held: contextvars.ContextVar[HeldEvents | None] = contextvars.ContextVar("held_events", default=None)


@contextmanager
def holding() -> Iterator[HeldEvents]:
    """Hold the events published in this context for ``notify`` (before the commit) and
    ``send`` (after it); whatever is held when the block ends is dropped."""
    held = HeldEvents()
    token = _held.set(held)
    try:
        yield held
    finally:
        _held.reset(token)


async def publish(event: Event, using_db: BaseDBAsyncClient | None = None) -> None:
    """Tell every listening process of ``event``; on PostgreSQL once the current
    transaction (of ``using_db``, else the one in progress) commits; in-process, on the
    next turn of the event loop; within ``holding``, when the holder says so."""
    if (held := _held.get()) is not None:
        held.keep(event)
        return
    db = using_db or connections.get("default")
    if db.capabilities.dialect == "postgres":
        await db.execute_query("SELECT pg_notify($1, $2)", [CHANNEL, event.to_json()])
    elif _handlers:
        asyncio.get_running_loop().call_soon(_deliver, event)


async def post_updated(post) -> None:
    """A stored post was edited (its ``Post`` row saved with the new text)."""
    await publish(Event(POST_UPDATED, post.pk))


async def post_deleted(post) -> None:
    """A post was deleted (a tombstone kept) or removed (a boost undone)."""
    await publish(Event(POST_DELETED, post.pk, account_id=post.account_id, boost_of_id=post.boost_of_id))


def _deliver(event: Event) -> None:
    for handler, context in list(_handlers.items()):
        task = asyncio.get_running_loop().create_task(handler(event), context=context.copy())
        _running.add(task)
        task.add_done_callback(_finished)


_running: set[asyncio.Task] = set()


def _finished(task: asyncio.Task) -> None:
    _running.discard(task)
    if not task.cancelled() and task.exception() is not None:
        log.error("an event listener failed", exc_info=task.exception())


class PostgresListener:
    """One ``LISTEN`` connection of this process, handing what it hears to the handlers.
    A lost connection is opened again after a pause."""

    RETRY_AFTER = 2.0

    def __init__(self, credentials: dict) -> None:
        self._credentials = credentials
        self._task: asyncio.Task | None = None
        self._connected = asyncio.Event()

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._listen())

    async def wait_connected(self, timeout: float = 10.0) -> None:
        await asyncio.wait_for(self._connected.wait(), timeout)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None

    async def _listen(self) -> None:
        import asyncpg

        while True:
            lost = asyncio.Event()
            connection = None
            try:
                connection = await asyncpg.connect(**self._credentials)
                connection.add_termination_listener(lambda _connection: lost.set())
                await connection.add_listener(CHANNEL, self._heard)
                self._connected.set()
                await lost.wait()
                log.warning("the LISTEN connection for live events was lost; opening it again")
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("cannot LISTEN for live events; trying again")
            finally:
                self._connected.clear()
                if connection is not None and not connection.is_closed():
                    await asyncio.shield(connection.close())
            await asyncio.sleep(self.RETRY_AFTER)

    def _heard(self, _connection, _pid, _channel, payload: str) -> None:
        event = Event.from_json(payload)
        if event is not None:
            _deliver(event)


def listener_credentials(database_url: str) -> dict | None:
    """What asyncpg needs to LISTEN on the configured PostgreSQL database; None on SQLite."""
    from tortoise.backends.base.config_generator import expand_db_url

    from fediserver.db import normalise_url

    url = normalise_url(database_url)
    if not url.startswith("postgres://"):
        return None
    credentials = expand_db_url(url)["credentials"]
    wanted = ("host", "port", "user", "password", "database", "ssl")
    return {key: credentials[key] for key in wanted if credentials.get(key) is not None}
