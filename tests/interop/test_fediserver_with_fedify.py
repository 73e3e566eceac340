"""fediserver and a real Fedify peer: discovery, actors, verified inbox deliveries, signed GETs.

fediserver runs on a real Hypercorn on 127.0.0.1 (SQLite and PostgreSQL, through the
``db`` fixture); the peer discovers alice by WebFinger, reads her actor, and delivers
to her inbox with its own signatures, which we verify. A hand-signed client checks
that whatever cannot be verified is refused with 401.
"""

from __future__ import annotations

import json
import time

import httpx
import pytest

from federation.signatures import Generation
from fediserver.local_accounts import create_local_account
from fediserver.models import Account, InboundItem
from tests.interop.foreign_actor import ForeignActor
from tests.interop.harness import FedifyPeer, wait_until
from tests.interop.served_instance import ServedInstance

pytestmark = pytest.mark.interop


@pytest.fixture
async def instance(db):
    async with ServedInstance(db) as served:
        await create_local_account(served.services.urls, "alice", display_name="Alice")
        yield served


@pytest.fixture
async def peer(fedify_peer: FedifyPeer) -> FedifyPeer:
    await fedify_peer.control.reset()
    return fedify_peer


async def test_the_peer_finds_alice_by_webfinger_and_reads_her_actor(instance, peer):
    found = await peer.control.lookup(f"alice@{instance.domain}")

    assert found["errors"] == []
    actor = found["actor"]
    alice = f"{instance.base_url}/users/alice"
    assert (actor["id"], actor["type"], actor["preferredUsername"]) == (alice, "Person", "alice")
    assert actor["inbox"] == f"{alice}/inbox"
    assert actor["sharedInbox"] == f"{instance.base_url}/inbox"
    assert actor["outbox"] == f"{alice}/outbox"
    assert actor["followers"] == f"{alice}/followers"
    assert actor["publicKeys"] == [{"id": f"{alice}#main-key", "owner": alice}]


async def test_the_peer_reads_the_instance_actor(instance, peer):
    found = await peer.control.lookup(f"{instance.base_url}/actor")
    assert found["errors"] == []
    assert (found["actor"]["type"], found["actor"]["id"]) == ("Application", f"{instance.base_url}/actor")


async def _stored(activity_type: str, actor: str) -> InboundItem:
    return await wait_until(lambda: InboundItem.get_or_none(activity_type=activity_type, actor_uri=actor))


async def test_the_peers_follow_is_verified_and_stored(instance, peer):
    bob = peer.actor("bob")

    answer = await peer.control.follow("bob", f"alice@{instance.domain}")

    assert [d["ok"] for d in answer["deliveries"]] == [True]
    item = await _stored("Follow", bob.id)
    assert item.activity_uri == answer["follow_id"]
    assert item.payload["object"] == f"{instance.base_url}/users/alice"
    # Fedify knocks with RFC 9421 first: that first knock was verified and answered 202.
    [post] = instance.posts_to("/users/alice/inbox")
    assert "signature-input" in post.headers and post.status == 202
    # Verifying it meant fetching bob with a GET signed by our instance actor.
    assert (await Account.get(uri=bob.id)).domain == f"127.0.0.1:{peer.port}"


async def test_the_peers_create_is_verified_and_stored(instance, peer):
    carol = peer.actor("carol")

    answer = await peer.control.post("carol", "<p>hello alice</p>", mentions=[f"alice@{instance.domain}"])

    assert all(d["ok"] for d in answer["deliveries"]), answer
    item = await _stored("Create", carol.id)
    assert item.activity_uri == answer["create_id"]
    assert item.payload["object"]["id"] == answer["note_id"]
    assert all(e.status == 202 for e in instance.exchanges if e.method == "POST")


def _like(actor: ForeignActor, alice: str, tag: str) -> dict:
    return {"@context": "https://www.w3.org/ns/activitystreams", "id": f"{actor.id}/likes/{tag}",
            "type": "Like", "actor": actor.id, "object": alice}


@pytest.mark.parametrize("generation", [Generation.CAVAGE, Generation.RFC9421])
async def test_hand_signed_posts_are_verified_or_refused_with_401(instance, generation):
    inbox = f"{instance.base_url}/users/alice/inbox"
    alice = f"{instance.base_url}/users/alice"
    with ForeignActor() as dora:
        good = await dora.post_signed(inbox, _like(dora, alice, "good"), generation=generation)
        tampered_like = _like(dora, alice, "tampered")
        tampered = await dora.post_signed(
            inbox, tampered_like, generation=generation,
            sent_body=json.dumps(tampered_like | {"object": f"{alice}/other"}).encode(),
        )
        stale = await dora.post_signed(inbox, _like(dora, alice, "stale"), generation=generation,
                                       now=time.time() - 3 * 3600)
        async with httpx.AsyncClient() as client:
            unsigned = await client.post(inbox, json=_like(dora, alice, "unsigned"),
                                         headers={"content-type": "application/activity+json"})

    assert good.status_code == 202
    assert (tampered.status_code, tampered.json()["error"]) == (401, "bad digest")
    assert stale.status_code == 401 and stale.json()["error"] in ("stale date", "expired")
    assert (unsigned.status_code, unsigned.json()["error"]) == (401, "unsigned")
    assert await InboundItem.filter(actor_uri=dora.id).values_list("activity_uri", flat=True) == [f"{dora.id}/likes/good"]


async def test_the_hand_written_cavage_client_is_accepted(instance):
    with ForeignActor() as dora:
        response = await dora.post(f"{instance.base_url}/inbox", _like(dora, f"{instance.base_url}/users/alice", "c"))
        wrong = await dora.post(f"{instance.base_url}/inbox", _like(dora, "x", "w"), wrong_key=True)
    assert response.status_code == 202
    assert wrong.status_code == 401


async def test_our_signed_get_of_the_peers_actor_works(instance, peer):
    bob = peer.actor("bob")
    account = await instance.services.remote_actors.fetch_actor(bob.id)
    assert (account.uri, account.username, account.domain) == (bob.id, "bob", f"127.0.0.1:{peer.port}")
    assert account.inbox_url == f"{bob.id}/inbox"
    assert account.public_key_pem.startswith("-----BEGIN PUBLIC KEY-----")


async def test_the_peers_follow_is_applied_and_an_accept_queued_for_bob(instance, peer):
    """Up to the delivery queue: sending the Accept is the delivery workers' job."""
    from fediserver.jobs import build_jobs
    from fediserver.models import Activity, Delivery, Follow

    bob = peer.actor("bob")
    answer = await peer.control.follow("bob", f"alice@{instance.domain}")
    await _stored("Follow", bob.id)
    for job in build_jobs(instance.services):
        await job.run_once()

    follow = await Follow.get(uri=answer["follow_id"]).select_related("follower", "target")
    assert (follow.follower.uri, follow.target.uri) == (bob.id, f"{instance.base_url}/users/alice")
    accept = await Activity.get(type="Accept")
    assert accept.payload["object"]["id"] == answer["follow_id"]
    [delivery] = await Delivery.filter(activity=accept)
    assert delivery.inbox_url in (f"{bob.id}/inbox", f"{peer.origin}/inbox")
