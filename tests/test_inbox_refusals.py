"""Bad input at the inbox door: each case answers 4xx with its reason, stores nothing, and
leaves the server healthy. Every body here is signed with the sender's real key, so
nothing but the rule under test stands between it and the queue."""

from __future__ import annotations

import json
from typing import Any

import pytest

from federation.received_json import MAX_JSON_DEPTH
from federation.signatures import Generation, sign_request
from fediserver.app import create_app
from fediserver.local_accounts import create_local_account
from fediserver.models import Account, InboundItem, InboundState
from fediserver.urls import InstanceUrls
from inbox.processing import InboundProcessor
from tests.conftest import make_settings
from tests.remote_peer import RemotePeer

BASE = "https://art.example"


@pytest.fixture
async def server(db):
    settings = make_settings(db, federation={"allow_private_addresses": True})
    app = create_app(settings, manage_database=False, run_jobs=False)
    await create_local_account(InstanceUrls(BASE), "alice")
    yield app
    await app.config["SERVICES"].aclose()


@pytest.fixture
async def peer():
    async with RemotePeer() as remote:
        yield remote


async def post(app, peer, body: bytes, *, path: str = "/inbox", generation=Generation.CAVAGE, headers=None):
    signed = peer.signed_headers("POST", BASE + path, body, generation=generation)
    return await app.test_client().post(path, data=body, headers=signed | (headers or {}))


async def assert_refused(app, response, status: int, error: str) -> dict[str, Any]:
    """The answer is ``status`` with ``error`` as its reason, nothing was queued, and the
    server still answers its health check."""
    answer = await response.get_json()
    assert (response.status_code, answer["error"]) == (status, error), answer
    assert await InboundItem.all().count() == 0
    health = await app.test_client().get("/healthz")
    assert health.status_code == 200
    return answer


def nested_activity(peer: RemotePeer, levels: int) -> dict[str, Any]:
    """A Create whose JSON nests ``levels`` levels of objects, the activity itself the first."""
    value: dict[str, Any] = {}
    for _ in range(levels - 2):
        value = {"inner": value}
    return peer.activity("Create", object=value)


def nested_body(peer: RemotePeer, levels: int) -> bytes:
    """``nested_activity`` as text, for depths no JSON encoder writes."""
    head = json.dumps(peer.activity("Create"))[:-1].encode()
    inner = b'{"inner":' * (levels - 2) + b"{}" + b"}" * (levels - 2)
    return head + b', "object": ' + inner + b"}"


def depth_of(value: Any) -> int:
    if isinstance(value, dict):
        return 1 + max((depth_of(v) for v in value.values()), default=0)
    if isinstance(value, list):
        return 1 + max((depth_of(v) for v in value), default=0)
    return 0


async def test_json_nested_to_the_limit_is_stored_and_processed(server, peer):
    activity = nested_activity(peer, MAX_JSON_DEPTH)
    assert depth_of(activity) == MAX_JSON_DEPTH
    assert json.loads(nested_body(peer, MAX_JSON_DEPTH)) == activity

    response = await post(server, peer, json.dumps(activity).encode())

    assert response.status_code == 202
    item = await InboundItem.get(activity_uri=activity["id"])
    assert item.payload == activity
    await InboundProcessor().run_once()
    item = await InboundItem.get(id=item.id)
    assert item.state in (InboundState.IGNORED, InboundState.FAILED) and item.last_error


@pytest.mark.parametrize("levels", [MAX_JSON_DEPTH + 1, 256, 1024, 1025, 5000])
@pytest.mark.parametrize("generation", [Generation.CAVAGE, Generation.RFC9421])
async def test_json_nested_deeper_than_the_limit_is_400_before_any_database_work(server, peer, levels, generation):
    body = nested_body(peer, levels)

    response = await post(server, peer, body, generation=generation)

    answer = await assert_refused(server, response, 400, "JSON nested too deeply")
    assert answer["detail"] == f"the limit is {MAX_JSON_DEPTH} levels"
    # Refused before the signature was checked: the sender's key was never fetched.
    assert peer.server.received == []
    assert not await Account.filter(uri=peer.actor_id).exists()


@pytest.mark.parametrize(("body", "error"), [
    (b"{not json", "body is not JSON"),
    (b"[1, 2]", "body is not a JSON object"),
    (b'{"type": "Follow", "id": "https://x.example/1"}', "activity has no actor"),
])
async def test_bodies_that_are_no_activity_are_400_with_the_reason(server, peer, body, error):
    response = await post(server, peer, body)
    await assert_refused(server, response, 400, error)


@pytest.mark.parametrize(("generation", "error"), [(Generation.CAVAGE, "wrong host"),
                                                   (Generation.RFC9421, "bad signature")])
async def test_a_request_signed_for_another_server_is_401(server, peer, generation, error):
    """The sender signed this POST for the same path on another server; replayed here
    within the date window, it must not count."""
    body = json.dumps(peer.activity("Follow", object=f"{BASE}/users/alice")).encode()
    headers = peer.signed_headers("POST", "https://other.example/inbox", body, generation=generation)

    response = await server.test_client().post("/inbox", data=body, headers=headers)

    answer = await assert_refused(server, response, 401, error)
    if generation == Generation.CAVAGE:
        assert answer["detail"] == "signed for host 'other.example', this server is 'art.example'"


@pytest.mark.parametrize("host", ["art.example", "ART.example", "art.example:443"])
async def test_the_signed_host_may_be_spelled_as_senders_spell_it(server, peer, host):
    body = json.dumps(peer.activity("Follow", object=f"{BASE}/users/alice")).encode()
    headers = {"content-type": "application/activity+json", "host": host}
    headers |= sign_request("POST", BASE + "/inbox", headers, body, key_id=peer.key_id,
                            private_key=peer.private_key, generation=Generation.CAVAGE)

    response = await server.test_client().post("/inbox", data=body, headers=headers)

    assert response.status_code == 202
