"""What our delivery worker sends, as the independent Fedify peer receives and verifies it.

Our artist's actor document is served from a small loopback server so the peer can
fetch her key; the peer accepts an activity only when its HTTP Signature verifies.
"""

from __future__ import annotations

import json

import pytest

from fediserver.local_accounts import create_local_account
from fediserver.models import Account, Delivery, DeliveryState
from fediserver.urls import InstanceUrls
from outbox import relations, statuses
from tests.federation.loopback_server import LoopbackServer, Reply
from tests.interop.harness import FedifyPeer
from tests.outbox.conftest import worker_factory  # noqa: F401  (fixture)

pytestmark = pytest.mark.interop


@pytest.fixture
async def peer(fedify_peer: FedifyPeer) -> FedifyPeer:
    await fedify_peer.control.reset()
    return fedify_peer


def actor_document(account: Account) -> bytes:
    return json.dumps({
        "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
        "id": account.uri, "type": "Person", "preferredUsername": account.username,
        "inbox": account.inbox_url, "outbox": account.outbox_url, "followers": account.followers_url,
        "publicKey": {"id": account.public_key_id, "owner": account.uri, "publicKeyPem": account.public_key_pem},
    }).encode()


async def test_the_peer_verifies_and_records_our_follow_and_post(db, peer, worker_factory):  # noqa: F811
    async with LoopbackServer({}) as home:
        ada = await create_local_account(InstanceUrls(home.base), "ada")
        home.routes["/users/ada"] = Reply(200, {"content-type": "application/activity+json"}, actor_document(ada))
        bob_actor = peer.actor("bob")
        host = peer.origin.split("://", 1)[1]
        bob = await Account.create(username="bob", domain=host, uri=bob_actor.id, url=bob_actor.id,
                                   inbox_url=f"{bob_actor.id}/inbox", shared_inbox_url=f"{peer.origin}/inbox")

        follow = await relations.follow(ada, bob)
        post = await statuses.post_status(ada, f"Hello @bob@{host}, a new sketch", visibility="public")
        worker = worker_factory()
        while await worker.run_once():
            await worker.drain()

        received_follow = await peer.control.wait_for("Follow", actor=ada.uri)
        received_create = await peer.control.wait_for("Create", actor=ada.uri)
    assert received_follow["id"] == follow.uri and received_follow["object"] == bob.uri
    assert received_create["activity"]["object"]["id"] == post.uri
    assert {received_follow["signature"], received_create["signature"]} == {"rfc9421"}
    assert await peer.control.rejected() == []
    assert not await Delivery.exclude(state=DeliveryState.DELIVERED).exists()
