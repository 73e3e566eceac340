"""Two independent Fedify peers federate with each other through the control API.

This proves the peer and its harness (lookup, follow and Accept/Reject, posts, replies,
likes, announces, updates, deletes, undos) before our server joins.
"""

import httpx
import pytest

from tests.interop.harness import FedifyPeer, PeerControlError

pytestmark = pytest.mark.interop


@pytest.fixture
async def peers(fedify_peer: FedifyPeer, second_fedify_peer: FedifyPeer):
    """Peer A (bob, carol) and peer B (alice), with everything but their keys forgotten."""
    await fedify_peer.control.reset()
    await second_fedify_peer.control.reset()
    return fedify_peer, second_fedify_peer


async def bob_follows_alice(a: FedifyPeer, b: FedifyPeer) -> dict:
    alice = b.actor("alice")
    follow = await a.control.follow("bob", alice.handle)
    assert follow["deliveries"] == [{"to": alice.id, "ok": True}]
    await a.control.wait_for("Accept", lambda act: act["object"] == follow["follow_id"], actor=alice.id)
    return follow


async def fetch_activity_json(url: str) -> dict:
    async with httpx.AsyncClient() as client:
        response = await client.get(url, headers={"Accept": "application/activity+json"})
    response.raise_for_status()
    return response.json()


def delivered_everywhere(result: dict) -> bool:
    return all(delivery["ok"] for delivery in result["deliveries"])


async def test_lookup_resolves_a_handle_on_another_peer(peers):
    a, b = peers
    alice = b.actor("alice")

    found = await a.control.lookup(alice.handle)

    assert found["errors"] == []
    actor = found["actor"]
    assert actor["id"] == alice.id
    assert actor["type"] == "Person"
    assert actor["preferredUsername"] == "alice"
    assert actor["inbox"] == f"{b.origin}/users/alice/inbox"
    assert actor["sharedInbox"] == f"{b.origin}/inbox"
    assert actor["publicKeys"] == [{"id": f"{alice.id}#main-key", "owner": alice.id}]
    assert found["webfinger"]["subject"] == f"acct:{alice.handle}"


async def test_lookup_of_an_unknown_handle_reports_the_error(peers):
    a, b = peers

    found = await a.control.lookup(f"nobody@127.0.0.1:{b.port}")

    assert found["actor"] is None
    assert "404" in found["errors"][0]


async def test_follow_is_verified_and_accepted(peers):
    a, b = peers
    alice, bob = b.actor("alice"), a.actor("bob")

    follow = await bob_follows_alice(a, b)

    received = await b.control.wait_for("Follow", actor=bob.id)
    assert received["id"] == follow["follow_id"]
    assert received["recipient"] == "alice"
    assert received["signature"] == "rfc9421"
    assert received["has_proof"] and received["has_ld_signature"]
    assert await a.control.following("bob") == [
        {"id": alice.id, "state": "accepted", "follow_id": follow["follow_id"]}
    ]
    [follower] = await b.control.followers("alice")
    assert (follower["id"], follower["state"]) == (bob.id, "accepted")
    assert follower["shared_inbox"] == f"{a.origin}/inbox"
    collection = await fetch_activity_json(f"{alice.id}/followers")
    assert (collection["totalItems"], collection["orderedItems"]) == (1, [bob.id])


async def test_follow_policy_reject_answers_with_reject(peers):
    a, b = peers
    alice = b.actor("alice")
    await b.control.set_follow_policy("alice", "reject")

    follow = await a.control.follow("carol", alice.handle)

    await a.control.wait_for("Reject", lambda act: act["object"] == follow["follow_id"])
    assert await a.control.following("carol") == []
    assert await b.control.followers("alice") == []


async def test_post_reaches_followers_and_a_reply_reaches_the_author(peers):
    a, b = peers
    alice, bob = b.actor("alice"), a.actor("bob")
    await bob_follows_alice(a, b)

    post = await b.control.post("alice", "<p>New drawing up</p>")

    assert delivered_everywhere(post)
    create = await a.control.wait_for("Create", lambda act: act["object"] == post["note_id"])
    note = create["activity"]["object"]
    assert note["content"] == "<p>New drawing up</p>"
    assert note["attributedTo"] == alice.id
    assert "https://www.w3.org/ns/activitystreams#Public" in note["to"]

    reply = await a.control.post(
        "bob", "<p>Lovely</p>", mentions=[alice.handle], in_reply_to=post["note_id"]
    )

    assert delivered_everywhere(reply)
    reply_create = await b.control.wait_for("Create", actor=bob.id)
    reply_note = reply_create["activity"]["object"]
    assert reply_note["id"] == reply["note_id"]
    assert reply_note["inReplyTo"] == post["note_id"]
    assert {"type": "Mention", "href": alice.id, "name": "@alice"} in _as_list(reply_note["tag"])


async def test_direct_message_is_addressed_only_to_the_mentioned_actor(peers):
    a, b = peers
    bob = a.actor("bob")

    post = await b.control.post(
        "alice", "<p>Commission?</p>", mentions=[bob.handle], public=False, to_followers=False
    )

    assert post["deliveries"] == [{"to": bob.id, "ok": True}]
    create = await a.control.wait_for("Create", lambda act: act["object"] == post["note_id"])
    note = create["activity"]["object"]
    assert (note["to"], note.get("cc")) == (bob.id, None)
    assert create["recipient"] == "bob"


async def test_post_can_go_to_the_shared_inbox(peers):
    a, b = peers
    await bob_follows_alice(a, b)

    post = await b.control.post("alice", "<p>For everyone</p>", prefer_shared_inbox=True)

    create = await a.control.wait_for("Create", lambda act: act["object"] == post["note_id"])
    assert create["recipient"] is None


async def test_like_and_its_undo_reach_the_author(peers):
    a, b = peers
    bob = a.actor("bob")
    post = await b.control.post("alice", "<p>Sketch</p>", to_followers=False)

    like = await a.control.like("bob", post["note_id"])

    assert delivered_everywhere(like)
    received = await b.control.wait_for("Like", actor=bob.id)
    assert (received["id"], received["object"]) == (like["like_id"], post["note_id"])

    undo = await a.control.undo("bob", like["like_id"])

    received_undo = await b.control.wait_for("Undo", actor=bob.id)
    assert received_undo["id"] == undo["undo_id"]
    assert received_undo["object"] == like["like_id"]


async def test_announce_reaches_the_author(peers):
    a, b = peers
    post = await b.control.post("alice", "<p>Print sale</p>", to_followers=False)

    announce = await a.control.announce("bob", post["note_id"])

    received = await b.control.wait_for("Announce", actor=a.actor("bob").id)
    assert (received["id"], received["object"]) == (announce["announce_id"], post["note_id"])


async def test_update_and_delete_reach_followers_and_the_note_is_gone(peers):
    a, b = peers
    await bob_follows_alice(a, b)
    post = await b.control.post("alice", "<p>First version</p>")

    await b.control.update("alice", post["note_id"], "<p>Second version</p>")

    update = await a.control.wait_for("Update", lambda act: act["object"] == post["note_id"])
    assert update["activity"]["object"]["content"] == "<p>Second version</p>"
    assert (await fetch_activity_json(post["note_id"]))["content"] == "<p>Second version</p>"

    await b.control.delete("alice", post["note_id"])

    await a.control.wait_for("Delete", lambda act: act["object"] == post["note_id"])
    with pytest.raises(httpx.HTTPStatusError) as gone:
        await fetch_activity_json(post["note_id"])
    assert gone.value.response.status_code == 404


async def test_unfollow_removes_the_follower(peers):
    a, b = peers
    alice, bob = b.actor("alice"), a.actor("bob")
    follow = await bob_follows_alice(a, b)

    await a.control.unfollow("bob", alice.handle)

    undo = await b.control.wait_for("Undo", actor=bob.id)
    assert undo["object"] == follow["follow_id"]
    assert await b.control.followers("alice") == []
    assert await a.control.following("bob") == []


async def test_control_api_refuses_bad_requests_clearly(peers):
    a, b = peers

    with pytest.raises(PeerControlError) as unknown_actor:
        await a.control.follow("nobody", b.actor("alice").handle)
    assert unknown_actor.value.status == 404

    async with httpx.AsyncClient() as client:
        no_content = await client.post(f"{a.origin}/_control/post", json={"actor": "bob"})
        not_json = await client.post(f"{a.origin}/_control/follow", content=b"bob follows alice")
    assert no_content.status_code == 400
    assert "content" in no_content.json()["error"]
    assert not_json.status_code == 400

    with pytest.raises(PeerControlError) as not_a_url:
        await a.control.like("bob", "a drawing I liked")
    assert not_a_url.value.status == 400
    assert not_a_url.value.body["error"] == "object must be an absolute URL"


def _as_list(value):
    return value if isinstance(value, list) else [value]
