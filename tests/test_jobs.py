"""The job runner: stopping it leaves the database usable for the rest of the process."""

from __future__ import annotations

import asyncio

from fediserver.jobs import JobRunner, build_jobs
from fediserver.local_accounts import create_local_account
from fediserver.models import Account
from fediserver.services import build_services
from fediserver.urls import InstanceUrls

# Guards a hang only: a database that still answers does so in milliseconds.
HANG_GUARD_SECONDS = 30


async def test_stopping_the_jobs_while_they_poll_leaves_the_database_usable(db, settings):
    services = build_services(settings)
    try:
        for pause in range(8):
            runner = JobRunner(build_jobs(services), idle_seconds=0)
            runner.start()
            await asyncio.sleep(0.002 * pause)
            await runner.stop()
            # A job cut off inside a transaction used to keep SQLite's connection locked.
            await asyncio.wait_for(create_local_account(InstanceUrls("https://art.example"), f"artist{pause}"),
                                   HANG_GUARD_SECONDS)
    finally:
        await services.aclose()
    assert await Account.filter(domain="").count() == 8
