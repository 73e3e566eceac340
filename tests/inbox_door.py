"""The world inbox tests post into: an instance with the local artist ``alice`` (which
may fetch from loopback addresses), and a remote peer signing what it sends."""

from __future__ import annotations

import pytest

from fediserver.app import create_app
from fediserver.local_accounts import create_local_account
from fediserver.urls import InstanceUrls
from tests.conftest import make_settings
from tests.remote_peer import RemotePeer

BASE = "https://art.example"


async def make_server(db, **federation):
    settings = make_settings(db, federation={"allow_private_addresses": True, **federation})
    app = create_app(settings, manage_database=False, run_jobs=False)
    await create_local_account(InstanceUrls(BASE), "alice")
    return app


@pytest.fixture
async def server(db):
    app = await make_server(db)
    yield app
    await app.config["SERVICES"].aclose()


@pytest.fixture
async def peer():
    async with RemotePeer() as remote:
        yield remote
