"""The app's JSON bodies say what Quart's own writer says: the same values, keys sorted,
dates as HTTP dates, and values only Python's encoder can write still written."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from quart.json.provider import DefaultJSONProvider

from fediserver.app import create_app
from tests.conftest import make_settings


@dataclasses.dataclass
class Size:
    width: int
    height: int


@pytest.fixture
def app(tmp_path):
    return create_app(make_settings(f"sqlite://{tmp_path / 'db.sqlite3'}"), manage_database=False, run_jobs=False)


def test_a_body_holds_what_quarts_own_writer_would(app):
    value = {"title": "Étude n°3 ✍", "at": datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC), "price": Decimal("1.50"),
             "size": Size(1200, 800), "ids": [1, 2.5, None, True], "nested": {"b": 1, "a": 2}}
    written = app.json.dumps(value, separators=(",", ":"))
    assert json.loads(written) == json.loads(DefaultJSONProvider(app).dumps(value))
    assert json.loads(written)["at"] == "Fri, 02 Jan 2026 03:04:05 GMT"
    assert written.index('"a":2') < written.index('"b":1')  # keys sorted, as Quart sorts them


def test_a_number_too_large_for_orjson_is_still_written(app):
    assert json.loads(app.json.dumps({"n": 2**70})) == {"n": 2**70}


def test_what_no_writer_knows_is_refused_as_before(app):
    with pytest.raises(TypeError):
        app.json.dumps({"x": object()})
