"""The health check and the request log."""

from __future__ import annotations

import json
import logging

from fediserver.app import create_app
from fediserver.logs import JsonFormatter
from tests.conftest import make_settings


async def test_healthz_answers_when_the_database_does(client):
    response = await client.get("/healthz")
    assert response.status_code == 200
    assert await response.get_json() == {"status": "ok", "database": "ok"}


async def test_every_request_is_logged_once_with_status_and_duration(client, caplog):
    caplog.set_level(logging.INFO, logger="fediserver.request")
    await client.get("/healthz")
    await client.get("/no-such-page")
    lines = [record for record in caplog.records if record.name == "fediserver.request"]
    assert [(r.fields["path"], r.fields["status"]) for r in lines] == [("/healthz", 200), ("/no-such-page", 404)]
    assert all(r.fields["duration_ms"] >= 0 for r in lines)

    entry = json.loads(JsonFormatter().format(lines[0]))
    assert entry["status"] == 200 and entry["path"] == "/healthz" and entry["level"] == "info"
