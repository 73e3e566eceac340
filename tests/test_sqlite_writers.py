"""SQLite shared by the web process and a worker: a transaction that reads and then writes
completes even when another process writes to the file in between."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import threading

import pytest
from tortoise.transactions import in_transaction

from fediserver import db as database
from fediserver.local_accounts import create_local_account
from fediserver.models import Account
from fediserver.urls import InstanceUrls


async def test_a_read_then_write_transaction_survives_another_process_writing(db):
    if database.database_kind(db) != "sqlite":
        pytest.skip("about SQLite's single write lock; PostgreSQL locks rows")
    alice = await create_local_account(InstanceUrls("https://art.example"), "alice")
    other_started = threading.Event()

    def another_process_writes() -> None:  # as the web process storing a POST would
        with contextlib.closing(sqlite3.connect(db[len("sqlite://"):], timeout=30)) as other:
            other_started.set()
            other.execute("UPDATE accounts SET display_name = 'Alice' WHERE id = ?", (alice.id,))
            other.commit()

    async with in_transaction():
        assert await Account.filter(id=alice.id, summary="").exists()  # a worker's read...
        other = asyncio.ensure_future(asyncio.to_thread(another_process_writes))
        await asyncio.to_thread(other_started.wait)
        await asyncio.sleep(0.2)  # give the other writer its chance to go first
        await Account.filter(id=alice.id).update(summary="<p>painter</p>")  # ...then its write
    await other

    stored = await Account.get(id=alice.id)
    assert (stored.display_name, stored.summary) == ("Alice", "<p>painter</p>")
