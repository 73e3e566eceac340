"""The SQLite back end: write transactions that wait their turn instead of failing, and
timestamps read back as datetimes by the driver.

SQLite's default ``BEGIN`` is deferred: a transaction that reads first and writes later
(a worker claiming queue rows, a handler checking then storing) asks for the write lock
only at its first write. If another process committed in between (the web process
storing an inbound POST), SQLite cannot wait for it and fails at once with "database
is locked", whatever the busy timeout. ``BEGIN IMMEDIATE`` takes the write lock when
the transaction starts, waiting up to the busy timeout, so the web process and a
worker share the file without such failures. SQLite allows one writer at a time anyway,
so nothing is lost in concurrency. A transaction start that does not complete (cancelled,
or timed out waiting for the lock) gives the connection back.

SQLite stores a TIMESTAMP as ISO 8601 text. The connection reads such columns with the
standard library's C parser (``datetime.fromisoformat``), so tortoise gets datetimes and
does not parse each one in Python (a page of statuses holds a few hundred). Text in a
form that parser does not know is handed over unchanged and tortoise reads it as before.

Selected by ``fediserver.db.tortoise_config``.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from datetime import datetime

import aiosqlite

from tortoise.backends.base.client import TransactionalDBClient, TransactionContext
from tortoise.backends.sqlite.client import SqliteClient, SqliteTransactionContext, SqliteTransactionWrapper
from tortoise.connection import get_connections
from tortoise.exceptions import TransactionManagementError


class ImmediateTransactionWrapper(SqliteTransactionWrapper):
    async def begin(self) -> None:
        try:
            await self._connection.commit()
            await self._connection.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as error:
            raise TransactionManagementError(error) from error


class ReleasingTransactionContext(SqliteTransactionContext):
    """tortoise's SQLite transaction start, made safe when it does not complete.

    The connection's lock is taken before ``BEGIN``; if the task is cancelled there (Quart
    cancels a request whose client went away, a worker stops) or ``BEGIN IMMEDIATE``
    times out, tortoise never releases it and every later query of the process waits
    forever. Here the lock is given back, and a ``BEGIN`` that still ran in the
    connection's thread is rolled back (queued after it, so it sees the real state).
    """

    async def __aenter__(self) -> TransactionalDBClient:
        await self._trxlock.acquire()
        token = None
        try:
            await self.ensure_connection()
            token = self.token = get_connections().set(self.connection_name, self.connection)
            await self.connection.begin()
        except BaseException:
            if token is not None:
                get_connections().reset(token)
            connection = self.connection._connection
            if connection is not None:
                with contextlib.suppress(Exception):
                    await asyncio.shield(connection.rollback())
            self._trxlock.release()
            raise
        return self.connection


def _timestamp(stored: bytes) -> datetime | str:
    """A TIMESTAMP column as written (ISO 8601 text), read with the standard library's C
    parser; any form it does not know stays text, which tortoise parses as before."""
    text = stored.decode()
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return text


# Only connections opened with PARSE_DECLTYPES (ours) apply it, to columns declared TIMESTAMP.
sqlite3.register_converter("TIMESTAMP", _timestamp)


class ImmediateSqliteClient(SqliteClient):
    def _in_transaction(self) -> TransactionContext:
        return ReleasingTransactionContext(ImmediateTransactionWrapper(self), self._lock)

    async def create_connection(self, with_db: bool) -> None:
        """tortoise's connection, with TIMESTAMP columns handed back as datetimes already."""
        if self._connection:
            return
        self._connection = await aiosqlite.connect(self.filename, isolation_level=None,
                                                   detect_types=sqlite3.PARSE_DECLTYPES)
        self._connection._conn.row_factory = sqlite3.Row
        for pragma, value in self.pragmas.items():
            await (await self._connection.execute(f"PRAGMA {pragma}={value}")).close()
        await self._post_connect()


client_class = ImmediateSqliteClient
