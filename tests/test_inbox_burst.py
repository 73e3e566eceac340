"""A burst of signed POSTs sent at once through a real Hypercorn server on 127.0.0.1:
every activity answered 202 is in the database exactly once, duplicates included."""

from __future__ import annotations

import asyncio
import json
import socket
from collections import Counter

import httpx
import pytest
from hypercorn.asyncio import serve
from hypercorn.config import Config

from federation.signatures import Generation
from fediserver.app import create_app
from fediserver.local_accounts import create_local_account
from fediserver.models import InboundItem
from fediserver.urls import InstanceUrls
from tests.conftest import make_settings
from tests.remote_peer import RemotePeer

BASE = "https://art.example"
PUBLIC = "https://www.w3.org/ns/activitystreams#Public"
ACTIVITIES = 40


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
async def served(db):
    """The app behind a real Hypercorn server; yields its http://127.0.0.1:PORT origin."""
    settings = make_settings(db, federation={"allow_private_addresses": True})
    app = create_app(settings, manage_database=False, run_jobs=False)
    await create_local_account(InstanceUrls(BASE), "alice")
    config = Config()
    config.bind = [f"127.0.0.1:{free_port()}"]
    config.accesslog = None
    stop = asyncio.Event()
    server = asyncio.create_task(serve(app, config, shutdown_trigger=stop.wait))
    origin = f"http://{config.bind[0]}"
    try:
        async with httpx.AsyncClient() as client:
            for _ in range(200):
                try:
                    await client.get(f"{origin}/.well-known/nodeinfo")
                    break
                except httpx.TransportError:
                    await asyncio.sleep(0.05)
        yield origin
    finally:
        stop.set()
        await server
        await app.config["SERVICES"].aclose()


def create_note(peer: RemotePeer, n: int) -> dict:
    note = f"{peer.actor_id}/statuses/{n}"
    return peer.activity("Create", f"create-{n}", to=[PUBLIC], object={
        "id": note, "type": "Note", "attributedTo": peer.actor_id, "to": [PUBLIC], "content": f"<p>study {n}</p>",
    })


async def test_a_concurrent_burst_is_stored_exactly_once_each(served):
    async with RemotePeer("bea") as bea, RemotePeer("cy") as cy:
        activities = [create_note(peer, n) for n in range(ACTIVITIES // 2) for peer in (bea, cy)]
        # Each activity arrives twice at the same moment, as a sender delivering to the
        # personal and the shared inbox does; one in two is signed RFC 9421.
        posts = []
        for n, activity in enumerate(activities):
            peer = bea if activity["actor"] == bea.actor_id else cy
            body = json.dumps(activity).encode()
            generation = Generation.RFC9421 if n % 2 else Generation.CAVAGE
            for path in ("/users/alice/inbox", "/inbox"):
                posts.append((path, body, peer.signed_headers("POST", BASE + path, body, generation=generation)))

        limits = httpx.Limits(max_connections=16)
        async with httpx.AsyncClient(base_url=served, limits=limits, timeout=60) as client:
            responses = await asyncio.gather(
                *(client.post(path, content=body, headers=headers) for path, body, headers in posts)
            )

    assert Counter(response.status_code for response in responses) == {202: 2 * ACTIVITIES}, {r.text for r in responses}
    stored = Counter(await InboundItem.all().values_list("activity_uri", flat=True))
    assert stored == Counter(activity["id"] for activity in activities)
    assert set(stored.values()) == {1}
