"""What the inbox tests that fetch share: the server's services, allowed to reach the
loopback servers that stand in for other instances."""

from __future__ import annotations

import pytest

from fediserver.app import create_app
from tests.conftest import make_settings


@pytest.fixture
async def services(db):
    settings = make_settings(db, federation={"allow_private_addresses": True})
    app = create_app(settings, manage_database=False, run_jobs=False)
    yield app.config["SERVICES"]
    await app.config["SERVICES"].aclose()
