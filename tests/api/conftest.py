"""The client API rig: fediserver on a real Hypercorn at 127.0.0.1:PORT (on the ``db``
fixture's SQLite or PostgreSQL), local artists with bearer tokens, and Mastodon.py.

Mastodon.py is a blocking client, so each call runs in a thread (``call``) while the
server keeps serving in the test's event loop.
"""

from __future__ import annotations

import asyncio
import io
from dataclasses import dataclass

import pytest
from mastodon import Mastodon
from PIL import Image

from fediserver.local_accounts import create_api_token, create_local_account
from fediserver.models import Account
from tests.interop.served_instance import ServedInstance


async def call(function, *args, **kwargs):
    """Run one blocking Mastodon.py call without stopping the server in this loop."""
    return await asyncio.to_thread(function, *args, **kwargs)


@dataclass
class Artist:
    account: Account
    token: str
    client: Mastodon


@pytest.fixture
async def served(db, tmp_path):
    async with ServedInstance(db, sections={"instance": {"data_dir": str(tmp_path / "data")}}) as instance:
        yield instance


@pytest.fixture
def make_artist(served):
    async def make(name: str) -> Artist:
        account = await create_local_account(served.services.urls, name, display_name=name.title())
        token = await create_api_token(name)
        return Artist(account, token, Mastodon(access_token=token, api_base_url=served.base_url))

    return make


def artwork_jpeg(size=(900, 600), **options) -> bytes:
    """A real picture with detail (so it is not one flat colour) encoded as JPEG."""
    width, height = size
    horizontal = Image.linear_gradient("L").resize(size)
    vertical = Image.linear_gradient("L").rotate(90).resize(size)
    noise = Image.effect_noise(size, 40).point(lambda value: value // 3 + 60)
    out = io.BytesIO()
    Image.merge("RGB", (horizontal, vertical, noise)).save(out, "JPEG", quality=90, **options)
    return out.getvalue()
