"""With federation.authorized_fetch on, ActivityPub GETs need a valid HTTP Signature;
the instance actor, WebFinger and NodeInfo stay public."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from federation.keys import generate_rsa_private_key_pem, load_private_key_pem
from federation.signatures import Generation
from fediserver.app import create_app
from fediserver.local_accounts import create_local_account
from fediserver.models import Post
from fediserver.urls import InstanceUrls
from tests.conftest import make_settings
from tests.remote_peer import RemotePeer

BASE = "https://art.example"
AP = {"Accept": "application/activity+json"}


@pytest.fixture
async def client(db):
    settings = make_settings(db, federation={"allow_private_addresses": True, "authorized_fetch": True})
    app = create_app(settings, manage_database=False, run_jobs=False)
    alice = await create_local_account(InstanceUrls(BASE), "alice")
    await Post.create(uri=f"{BASE}/users/alice/statuses/1", id=1, account=alice, local=True,
                      published_at=datetime(2026, 1, 1, tzinfo=UTC))
    yield app.test_client()
    await app.config["SERVICES"].aclose()


PROTECTED = [
    "/users/alice",
    "/@alice",
    "/users/alice/outbox",
    "/users/alice/outbox?page=true",
    "/users/alice/followers",
    "/users/alice/following",
    "/users/alice/collections/featured",
    "/users/alice/statuses/1",
]


@pytest.mark.parametrize("path", PROTECTED)
async def test_unsigned_gets_are_refused(client, path):
    response = await client.get(path, headers=AP)
    assert response.status_code == 401
    assert (await response.get_json())["error"] == "unsigned"


@pytest.mark.parametrize("generation", [Generation.CAVAGE, Generation.RFC9421])
@pytest.mark.parametrize("path", PROTECTED)
async def test_signed_gets_are_answered(client, path, generation):
    async with RemotePeer() as peer:
        headers = AP | peer.signed_headers("GET", BASE + path, None, generation=generation)
        response = await client.get(path, headers=headers)
    assert response.status_code == 200, await response.get_data(as_text=True)


async def test_a_get_signed_with_the_wrong_key_is_refused(client):
    async with RemotePeer() as peer:
        wrong = load_private_key_pem(generate_rsa_private_key_pem())
        headers = AP | peer.signed_headers("GET", BASE + "/users/alice", None, private_key=wrong)
        response = await client.get("/users/alice", headers=headers)
    assert response.status_code == 401


@pytest.mark.parametrize(
    "path",
    ["/actor", "/.well-known/webfinger?resource=acct:alice@art.example", "/.well-known/nodeinfo", "/nodeinfo/2.1",
     "/.well-known/host-meta"],
)
async def test_discovery_and_the_instance_actor_stay_public(client, path):
    assert (await client.get(path, headers=AP)).status_code == 200


async def test_the_profile_page_stays_public(client):
    assert (await client.get("/@alice", headers={"Accept": "text/html"})).status_code == 200
