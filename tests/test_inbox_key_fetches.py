"""What one POST can make the inbox fetch: one signature verified per request, at most
one key fetch for it, and never a wait longer than the fetch timeout for an unknown key.

The keys named by the signatures live on a real loopback server that counts the
requests it receives."""

from __future__ import annotations

import asyncio
import json

import pytest

from federation.keys import generate_rsa_private_key_pem, load_private_key_pem, public_key_pem
from federation.signatures import Generation
from federation.signatures.rfc9421 import sign_rfc9421
from fediserver.models import InboundItem
from tests.federation.loopback_server import LoopbackServer, Reply
from tests.inbox_door import BASE, make_server
from tests.remote_peer import ACTIVITY_JSON, RemotePeer

STRANGER_KEY = load_private_key_pem(generate_rsa_private_key_pem())


@pytest.fixture
async def key_server():
    """Where an attacker points its signatures' key ids; answers 404 and counts."""
    async with LoopbackServer({}) as server:
        yield server


def many_labels(peer: RemotePeer, body: bytes, key_ids: list[str]) -> dict[str, str]:
    """A real RFC 9421 request: a signature for each of ``key_ids``, then the peer's own."""
    url = BASE + "/inbox"
    headers = {"content-type": ACTIVITY_JSON}
    inputs, signatures = [], []
    signers = [(f"k{n}", key_id, STRANGER_KEY) for n, key_id in enumerate(key_ids)]
    signers.append(("sig1", peer.key_id, peer.private_key))
    for label, key_id, private_key in signers:
        added = sign_rfc9421("POST", url, headers, body, key_id=key_id, private_key=private_key, label=label)
        inputs.append(added["Signature-Input"])
        signatures.append(added["Signature"])
        if "Content-Digest" in added:
            headers["content-digest"] = added["Content-Digest"]
    return headers | {"signature-input": ", ".join(inputs), "signature": ", ".join(signatures)}


def follow_body(peer: RemotePeer, tag: str = "1") -> bytes:
    return json.dumps(peer.activity("Follow", tag, object=f"{BASE}/users/alice")).encode()


async def test_a_request_with_thirty_unknown_keys_causes_one_fetch(server, peer, key_server):
    body = follow_body(peer)
    headers = many_labels(peer, body, [f"{key_server.base}/users/k{n}#main-key" for n in range(30)])
    assert len(headers["signature-input"]) < 8192

    response = await server.test_client().post("/inbox", data=body, headers=headers)

    answer = await response.get_json()
    assert (response.status_code, answer["error"]) == (401, "unknown key")
    assert [r.target for r in key_server.received] == ["/users/k0"]
    assert peer.server.received == []  # the label after them was never looked at
    assert await InboundItem.all().count() == 0
    assert (await server.test_client().get("/healthz")).status_code == 200


async def test_a_held_key_is_chosen_among_the_labels_and_nothing_is_fetched(server, peer, key_server):
    first = await server.test_client().post(
        "/inbox", data=follow_body(peer, "a"),
        headers=peer.signed_headers("POST", BASE + "/inbox", follow_body(peer, "a"), generation=Generation.RFC9421))
    assert first.status_code == 202
    fetched_so_far = len(peer.server.received)

    body = follow_body(peer, "b")
    headers = many_labels(peer, body, [f"{key_server.base}/users/k{n}#main-key" for n in range(30)])
    response = await server.test_client().post("/inbox", data=body, headers=headers)

    assert response.status_code == 202
    assert key_server.received == []
    assert len(peer.server.received) == fetched_so_far
    assert await InboundItem.filter(activity_uri=f"{peer.actor_id}/activities/b").exists()


async def test_a_held_key_that_fails_is_fetched_again_once_per_request(server, peer):
    body = follow_body(peer, "a")
    assert (await server.test_client().post(
        "/inbox", data=body, headers=peer.signed_headers("POST", BASE + "/inbox", body))).status_code == 202
    assert len(peer.server.received) == 1
    wrong = load_private_key_pem(generate_rsa_private_key_pem())

    for tag in ("b", "c"):
        body = follow_body(peer, tag)
        headers = peer.signed_headers("POST", BASE + "/inbox", body, private_key=wrong)
        response = await server.test_client().post("/inbox", data=body, headers=headers)
        assert response.status_code == 401

    assert len(peer.server.received) == 3  # one refresh per forged request, in case of rotation
    peer.rotate_key()
    body = follow_body(peer, "d")
    response = await server.test_client().post(
        "/inbox", data=body, headers=peer.signed_headers("POST", BASE + "/inbox", body))
    assert response.status_code == 202
    assert len(peer.server.received) == 4


async def test_an_unknown_key_never_holds_a_request_longer_than_the_fetch_timeout(db, peer):
    """The key document answers at once but names an owner whose server never answers:
    the request gives up when the timeout has passed in total, not per fetch."""
    server = await make_server(db, request_timeout_seconds=0.5)
    never = asyncio.Event()

    async def hang(request):
        await never.wait()
        return Reply(500)

    key_id = f"{peer.origin}/keys/1"
    peer.serve("/keys/1", {"id": key_id, "type": "CryptographicKey", "owner": peer.actor_id,
                           "publicKeyPem": public_key_pem(peer.private_key)})
    peer.server.routes[f"/users/{peer.name}"] = hang
    body = follow_body(peer)
    await server.config["SERVICES"].signed_fetch.signer()  # the instance actor's key, made beforehand
    try:
        response = await server.test_client().post(
            "/inbox", data=body, headers=peer.signed_headers("POST", BASE + "/inbox", body, key_id=key_id))
        answer = await response.get_json()
    finally:
        never.set()
        await server.config["SERVICES"].aclose()
    assert (response.status_code, answer["error"]) == (401, "unknown key")
    assert answer["detail"] == f"gave up fetching key {key_id} after 0.5 s"
    # Both documents asked for, unless the machine is so slow that the time ran out first.
    fetched = [r.target for r in peer.server.received]
    assert fetched == ["/keys/1", f"/users/{peer.name}"][:len(fetched)]
    assert await InboundItem.all().count() == 0
