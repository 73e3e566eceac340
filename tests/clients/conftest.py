"""Real client programs against ``fediserver run``, on both database back ends."""

from __future__ import annotations

import pytest

from tests.clients.running_instance import RunningInstance


@pytest.fixture
def running(fresh_database_url, tmp_path):
    with RunningInstance(tmp_path, fresh_database_url) as instance:
        instance.create_artist("ada")
        yield instance
