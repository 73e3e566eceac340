"""The SQLite back end with write transactions that wait their turn instead of failing.

SQLite's default ``BEGIN`` is deferred: a transaction that reads first and writes later
(a worker claiming queue rows, a handler checking then storing) asks for the write lock
only at its first write. If another process committed in between (the web process
storing an inbound POST), SQLite cannot wait for it and fails at once with "database
is locked", whatever the busy timeout. ``BEGIN IMMEDIATE`` takes the write lock when
the transaction starts, waiting up to the busy timeout, so the web process and a
worker share the file without such failures. SQLite allows one writer at a time anyway,
so nothing is lost in concurrency. Selected by ``fediserver.db.tortoise_config``.
"""

from __future__ import annotations

import sqlite3

from tortoise.backends.base.client import TransactionContext
from tortoise.backends.sqlite.client import SqliteClient, SqliteTransactionContext, SqliteTransactionWrapper
from tortoise.exceptions import TransactionManagementError


class ImmediateTransactionWrapper(SqliteTransactionWrapper):
    async def begin(self) -> None:
        try:
            await self._connection.commit()
            await self._connection.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as error:
            raise TransactionManagementError(error) from error


class ImmediateSqliteClient(SqliteClient):
    def _in_transaction(self) -> TransactionContext:
        return SqliteTransactionContext(ImmediateTransactionWrapper(self), self._lock)


client_class = ImmediateSqliteClient
