"""The media pipeline rig: an app whose data folder is the test's own, and a local artist."""

from __future__ import annotations

from pathlib import Path

import pytest

from fediserver.models import Account
from tests.conftest import make_settings


def pipeline_settings(database_url: str, data_dir: Path, **sections):
    instance = {"data_dir": str(data_dir), **sections.pop("instance", {})}
    return make_settings(database_url, instance=instance, **sections)


def files_under(folder: Path) -> list[Path]:
    """Every file left in ``folder`` (stored media, temporary uploads)."""
    return sorted(path for path in folder.rglob("*") if path.is_file()) if folder.exists() else []


@pytest.fixture
def data_dir(tmp_path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def media_settings(db, data_dir):
    return pipeline_settings(db, data_dir)


@pytest.fixture
def media_app(media_settings):
    from fediserver.app import create_app

    return create_app(media_settings, manage_database=False, run_jobs=False)


@pytest.fixture
async def services(media_app):
    services = media_app.config["SERVICES"]
    yield services
    await services.aclose()


@pytest.fixture
def media_client(media_app):
    return media_app.test_client()


@pytest.fixture
async def artist(db) -> Account:
    return await Account.create(
        username="ada",
        uri="https://art.example/users/ada",
        url="https://art.example/@ada",
        display_name="Ada Lovelace",
        followers_url="https://art.example/users/ada/followers",
    )
