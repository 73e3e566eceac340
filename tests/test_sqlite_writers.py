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


async def test_a_transaction_cancelled_while_waiting_for_the_write_lock_leaves_the_database_usable(db):
    """A request whose client went away (Quart cancels its handler) while its transaction
    was waiting to begin must not keep the connection locked for everyone after it."""
    if database.database_kind(db) != "sqlite":
        pytest.skip("about SQLite's single write lock")
    holder = sqlite3.connect(db[len("sqlite://"):], timeout=30, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another process holds the write lock

    async def write_in_a_transaction() -> None:
        async with in_transaction():
            await Account.create(username="never", uri="https://art.example/users/never")

    waiting = asyncio.ensure_future(write_in_a_transaction())
    await asyncio.sleep(0.3)  # it is now blocked in BEGIN IMMEDIATE
    waiting.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await waiting
    holder.execute("ROLLBACK")
    holder.close()

    # Guards a hang only: a usable database answers in milliseconds.
    await asyncio.wait_for(create_local_account(InstanceUrls("https://art.example"), "after"), 30)
    assert await asyncio.wait_for(Account.filter(username="never").exists(), 30) is False
    async with in_transaction():  # and the next transaction starts cleanly
        await Account.filter(username="after").update(display_name="After")
    assert (await Account.get(username="after")).display_name == "After"
