"""Bad input at the inbox door: each case answers 4xx with its reason, stores nothing, and
leaves the server healthy. Every body here is signed with the sender's real key, so
nothing but the rule under test stands between it and the queue."""

from __future__ import annotations

import json
from typing import Any

import pytest

from federation.received_json import MAX_JSON_DEPTH
from federation.signatures import Generation, sign_request
from fediserver.models import Account, InboundItem, InboundState, Post
from inbox.processing import InboundProcessor
from tests.inbox_door import BASE
from tests.remote_peer import RemotePeer

async def post(app, peer, body: bytes, *, path: str = "/inbox", generation=Generation.CAVAGE, headers=None):
    signed = peer.signed_headers("POST", BASE + path, body, generation=generation)
    return await app.test_client().post(path, data=body, headers=signed | (headers or {}))


async def assert_refused(app, response, status: int, error: str, *, queued: int = 0) -> dict[str, Any]:
    """The answer is ``status`` with ``error`` as its reason, nothing more was queued than
    the ``queued`` items before it, and the server still answers its health check."""
    answer = await response.get_json()
    assert (response.status_code, answer["error"]) == (status, error), answer
    assert await InboundItem.all().count() == queued
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


async def test_text_holding_nul_is_400_on_every_database(server, peer):
    """PostgreSQL can store U+0000 neither in JSON nor in text: it used to be a 500 there."""
    activity = peer.activity("Create", object={"type": "Note", "content": "nul \u0000 inside"})
    response = await post(server, peer, json.dumps(activity).encode())
    await assert_refused(server, response, 400, "JSON text holds U+0000")
    assert peer.server.received == []


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


async def run_inbound_job() -> None:
    processor = InboundProcessor()
    while await processor.run_once():
        pass


async def test_nobody_can_claim_another_servers_activity_id_first(server, peer):
    """Mastodon's delete ids are predictable (``<status>#delete``). Sent first by someone
    else, the real Delete used to be dropped as a duplicate and the post stayed."""
    async with RemotePeer("vera") as victim:
        note = f"{victim.actor_id}/statuses/1"
        create = victim.activity("Create", object={
            "id": note, "type": "Note", "attributedTo": victim.actor_id, "content": "<p>soon gone</p>",
            "to": ["https://www.w3.org/ns/activitystreams#Public"]})
        assert (await post(server, victim, json.dumps(create).encode())).status_code == 202
        await run_inbound_job()
        assert await Post.filter(uri=note, deleted_at=None).exists()

        delete = {"@context": "https://www.w3.org/ns/activitystreams", "id": f"{note}#delete",
                  "type": "Delete", "object": {"id": note, "type": "Tombstone"}}
        pre_empted = await post(server, peer, json.dumps(delete | {"actor": peer.actor_id}).encode())
        answer = await assert_refused(server, pre_empted, 400, "activity id from another origin", queued=1)
        assert answer["detail"] == f"the id {note}#delete is not on the actor's server {peer.origin}"

        real = await post(server, victim, json.dumps(delete | {"actor": victim.actor_id}).encode())
        assert real.status_code == 202
        await run_inbound_job()
    item = await InboundItem.get(activity_uri=f"{note}#delete")
    assert (item.actor_uri, item.origin, item.state) == (victim.actor_id, victim.origin, InboundState.DONE)
    assert await Post.filter(uri=note, deleted_at__isnull=False).exists()


async def test_an_actors_own_delete_id_cannot_be_taken_either(server, peer):
    async with RemotePeer("vera") as victim:
        delete = {"id": f"{victim.actor_id}#delete", "type": "Delete", "object": victim.actor_id}
        pre_empted = await post(server, peer, json.dumps(delete | {"actor": peer.actor_id}).encode())
        await assert_refused(server, pre_empted, 400, "activity id from another origin")
        real = await post(server, victim, json.dumps(delete | {"actor": victim.actor_id}).encode())
        assert real.status_code == 202
    assert await InboundItem.filter(actor_uri=victim.actor_id, activity_uri=delete["id"]).exists()


@pytest.mark.parametrize(("change", "error"), [
    ({"id": 7}, "activity id is not a URL"),
    ({"id": ""}, "activity id is not a URL"),
    ({"id": "urn:uuid:4b7d0a3e"}, "activity id is not a URL"),
    ({"id": "https://art.example/users/alice/follows/1"}, "activity id from another origin"),
    ({"actor": "acct:dora@elsewhere"}, "actor is not a URL"),
    ({"id": "https://127.0.0.1/" + "é" * 1100}, "activity id is too long"),
])
async def test_ids_and_actors_that_cannot_be_kept_are_400(server, peer, change, error):
    response = await post(server, peer, json.dumps(peer.activity("Follow", object=f"{BASE}/users/alice") | change).encode())
    await assert_refused(server, response, 400, error)
    assert peer.server.received == []  # refused before the key was fetched


async def test_an_activity_on_the_actors_own_server_but_another_port_is_another_origin(server, peer):
    other_port = peer.server.port + 1 if peer.server.port < 65535 else peer.server.port - 1
    activity = peer.activity("Follow", object=f"{BASE}/users/alice") | {
        "id": f"http://127.0.0.1:{other_port}/activities/1"}
    response = await post(server, peer, json.dumps(activity).encode())
    await assert_refused(server, response, 400, "activity id from another origin")


@pytest.mark.parametrize("host", [".", "a..b", "x" * 64 + ".example"])
async def test_a_host_header_that_names_no_host_is_400_not_500(server, peer, host):
    body = json.dumps(peer.activity("Follow", object=f"{BASE}/users/alice")).encode()
    signed = peer.signed_headers("POST", BASE + "/inbox", body)
    headers = {name: value for name, value in signed.items() if name.lower() != "host"} | {"host": host}
    response = await server.test_client().post("/inbox", data=body, headers=headers)
    await assert_refused(server, response, 400, "bad Host header")
