"""The peer is strict about HTTP signatures, in both directions.

A hand-written actor (not Fedify) signs draft-cavage POSTs to the peer and receives its
answers, so these tests see what our server will see: which signatures the peer accepts,
how it refuses the others, and how it signs and retries its own deliveries.
"""

import httpx
import pytest

from tests.interop.foreign_actor import ForeignActor
from tests.interop.harness import FedifyPeer, wait_until

pytestmark = pytest.mark.interop


@pytest.fixture
async def peer(fedify_peer: FedifyPeer) -> FedifyPeer:
    await fedify_peer.control.reset()
    return fedify_peer


async def test_unsigned_activity_is_refused_and_recorded(peer):
    bob = peer.actor("bob")
    activity = {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": "http://127.0.0.1:1/activities/forged",
        "type": "Like",
        "actor": "http://127.0.0.1:1/users/mallory",
        "object": bob.id,
    }

    async with httpx.AsyncClient() as client:
        response = await client.post(
            f"{bob.id}/inbox", json=activity, headers={"Content-Type": "application/activity+json"}
        )

    assert response.status_code == 401
    [rejected] = await wait_until(peer.control.rejected)
    assert (rejected["id"], rejected["reason"], rejected["signature"]) == (
        activity["id"], "noSignature", None
    )
    assert await peer.control.inbox("Like") == []


def like_from(actor: ForeignActor, object_id: str, tag: str) -> dict:
    return {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{actor.id}/likes/{tag}",
        "type": "Like",
        "actor": actor.id,
        "object": object_id,
    }


async def test_draft_cavage_signature_is_verified_and_recorded(peer):
    bob = peer.actor("bob")

    with ForeignActor() as dora:
        response = await dora.post(f"{bob.id}/inbox", like_from(dora, bob.id, "cavage"))

    assert response.status_code == 202
    received = await peer.control.wait_for("Like", actor=dora.id)
    assert received["signature"] == "draft-cavage"
    assert received["recipient"] == "bob"
    assert (received["has_ld_signature"], received["has_proof"]) == (False, False)


async def test_signature_made_with_the_wrong_key_is_refused(peer):
    bob = peer.actor("bob")

    with ForeignActor() as dora:
        like = like_from(dora, bob.id, "forged")
        response = await dora.post(f"{peer.origin}/inbox", like, wrong_key=True)

    assert response.status_code == 401
    [rejected] = await peer.control.rejected()
    assert (rejected["id"], rejected["reason"], rejected["key_id"]) == (
        like["id"], "invalidSignature", dora.key_id
    )
    assert await peer.control.inbox("Like") == []


def follow_from(actor: ForeignActor, target: str) -> dict:
    return {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{actor.id}/follows/1",
        "type": "Follow",
        "actor": actor.id,
        "object": target,
    }


async def test_accept_is_signed_rfc9421_first_and_sent_after_the_follow_is_answered(peer):
    bob = peer.actor("bob")

    with ForeignActor() as dora:
        response = await dora.post(f"{bob.id}/inbox", follow_from(dora, bob.id))
        assert response.status_code == 202
        await wait_until(lambda: dora.inbox)

    [(headers, accept)] = dora.inbox
    assert accept["type"] == "Accept"
    assert accept["object"]["id"] == f"{dora.id}/follows/1"
    assert "signature-input" in headers and headers["content-digest"].startswith("sha-256=")
    assert [f["id"] for f in await peer.control.followers("bob")] == [dora.id]


async def test_accept_refused_with_401_is_retried_draft_cavage_then_reported(peer):
    bob = peer.actor("bob")

    with ForeignActor(inbox_status=401) as dora:
        await dora.post(f"{bob.id}/inbox", follow_from(dora, bob.id))
        [failure] = await wait_until(peer.control.failed_deliveries)

    assert failure["to"] == dora.id
    first, second = (headers for headers, _ in dora.inbox)
    assert "signature-input" in first
    assert "signature-input" not in second and 'headers="(request-target)' in second["signature"]
    assert "digest" in second and "date" in second
