"""The web room's rig: the app on the ``db`` fixture's database (SQLite and PostgreSQL)
with local media in a temporary folder, artists, and works made the way the studio makes
them (real images through the media pipeline, posts through the outbox)."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from fediserver.app import create_app
from fediserver.local_accounts import create_local_account
from fediserver.models import Account, Post
from tests.conftest import make_settings

BASE = "https://art.example"


def artwork(size=(900, 600), seed: int = 0, fmt: str = "JPEG") -> bytes:
    """A real picture with detail (gradients and noise), different for each ``seed``."""
    horizontal = Image.linear_gradient("L").resize(size)
    vertical = Image.linear_gradient("L").rotate(90 + seed * 37).resize(size)
    noise = Image.effect_noise(size, 30 + seed % 20).point(lambda value: (value + seed * 29) % 256)
    out = io.BytesIO()
    Image.merge("RGB", (horizontal, vertical, noise)).save(out, fmt)
    return out.getvalue()


async def chunks(data: bytes):
    yield data


def web_settings(database_url: str, data_dir, **sections):
    return make_settings(database_url, instance={"data_dir": str(data_dir), "name": "Inkwell Collective",
                                                 "description": "Printmakers & painters <sharing>"},
                         **sections)


@pytest.fixture
def web_app(db, tmp_path):
    return create_app(web_settings(db, tmp_path / "data"), manage_database=False, run_jobs=False)


@pytest.fixture
def web_client(web_app):
    return web_app.test_client()


@pytest.fixture
def services(web_app):
    return web_app.config["SERVICES"]


@pytest.fixture
async def ada(services) -> Account:
    return await create_local_account(services.urls, "ada", display_name="Ada <Etcher>", password="correct horse battery")


async def make_work(services, artist: Account, text: str, *, images: int = 1, seed: int = 0, alt: str = "an etching",
                    visibility: str = "public", spoiler: str = "", **details) -> Post:
    """A work as the studio makes one: uploads through the media pipeline, then the post."""
    from outbox import portfolio

    media = [
        await services.media.accept_upload(artist, chunks(artwork(seed=seed + i)), declared_type="image/jpeg",
                                           description=f"{alt} {i + 1}" if images > 1 else alt)
        for i in range(images)
    ]
    return await portfolio.publish_work(artist, text, media=media, visibility=visibility, spoiler_text=spoiler,
                                        notes=services.notes, **details)
