"""Reaching what this instance has never seen, against an independent Fedify peer: its
accounts found by handle with no earlier contact and mentioned, a reply to a post we
never saw and the replies below a post we open fetched with their thread, a boost of an
unseen post, a followers-only post from an actor publishing no followers collection,
and a forwarded activity believed on its Object Integrity Proof. Our instance is served
by a real Hypercorn with its jobs running, on SQLite and PostgreSQL."""

from __future__ import annotations

import copy

import pytest

from fediserver.local_accounts import create_api_token
from fediserver.models import InboundItem, Post, Visibility
from tests.interop.two_way import (
    alice,
    alice_follows,
    api,
    arrived_post,
    assert_no_refusals,
    eventually,
    live_instance,  # noqa: F401  (fixture)
    peer,  # noqa: F401  (fixture)
    peer_receives,
)

pytestmark = pytest.mark.interop


async def test_a_handle_never_seen_is_found_and_mentioned(live_instance, peer):
    token = await create_api_token("alice")
    bob, carol = peer.actor("bob"), peer.actor("carol")

    found = await api(live_instance, token, "GET", "/api/v2/search", params={"q": f"@{bob.handle}", "resolve": "true"})
    assert found.status_code == 200
    assert [(a["acct"], a["uri"]) for a in found.json()["accounts"]] == [(bob.handle, bob.id)]
    looked_up = await api(live_instance, token, "GET", "/api/v1/accounts/lookup", params={"acct": carol.handle})
    assert looked_up.status_code == 200 and looked_up.json()["uri"] == carol.id

    posted = await api(live_instance, token, "POST", "/api/v1/statuses",
                       data={"status": f"Welcome @{bob.handle}!"})
    assert posted.status_code == 200, posted.text
    create = await peer_receives(peer, "Create", lambda a: a["object"] == posted.json()["uri"])
    assert create["activity"]["object"]["tag"][0]["href"] == bob.id
    await assert_no_refusals(peer)


async def test_a_reply_to_a_post_never_seen_brings_its_thread(live_instance, peer):
    await alice_follows(live_instance, peer)
    token = await create_api_token("alice")
    first = await peer.control.post("bob", "<p>Thread start, never sent</p>", deliver=False)
    second = await peer.control.post("bob", "<p>Its parent was never sent</p>", in_reply_to=first["note_id"],
                                     deliver=False)
    third = await peer.control.post("bob", "<p>A reply, sent</p>", in_reply_to=second["note_id"])

    reply = await arrived_post(third["note_id"])
    ancestors = await eventually(lambda: _context(live_instance, token, reply.pk, "ancestors", count=2),
                                 "both parents fetched and shown in the conversation")
    assert [s["uri"] for s in ancestors] == [first["note_id"], second["note_id"]]
    # Every activity the peer sent carried an integrity proof, and each one verifies here.
    received = await InboundItem.filter(actor_uri=peer.actor("bob").id).values_list("payload", flat=True)
    assert received and all("proof" in payload for payload in received)
    for payload in received:
        await live_instance.services.proofs.check(payload)
    await assert_no_refusals(peer)


async def test_opening_a_post_fetches_the_replies_below_it(live_instance, peer):
    await alice_follows(live_instance, peer)
    token = await create_api_token("alice")
    root = await peer.control.post("bob", "<p>What do you think?</p>")
    await peer.control.post("bob", "<p>Answering myself, never sent</p>", in_reply_to=root["note_id"], deliver=False)
    stored = await arrived_post(root["note_id"])

    opened = await api(live_instance, token, "GET", f"/api/v1/statuses/{stored.pk}")
    assert opened.status_code == 200

    descendants = await eventually(lambda: _context(live_instance, token, stored.pk, "descendants", count=1),
                                   "the reply fetched from the post's replies collection")
    assert descendants[0]["content"] == "<p>Answering myself, never sent</p>"
    await assert_no_refusals(peer)


async def test_a_boost_of_a_post_never_seen_fetches_it(live_instance, peer):
    await alice_follows(live_instance, peer)
    unseen = await peer.control.post("carol", "<p>Carol's study, never sent here</p>", deliver=False)

    boost = await peer.control.announce("bob", unseen["note_id"])

    boosted = await arrived_post(boost["announce_id"])
    original = await Post.get(id=boosted.boost_of_id)
    assert original.uri == unseen["note_id"] and "Carol's study" in original.content
    await assert_no_refusals(peer)


async def test_a_followers_only_post_from_an_actor_without_followers_is_seen_by_its_follower(live_instance, peer):
    await peer.control.settings("bob", hide_followers=True)
    bob = await alice_follows(live_instance, peer)
    assert bob.followers_url is None
    token = await create_api_token("alice")

    sent = await peer.control.post("bob", "<p>Only for my followers</p>", public=False)

    post = await arrived_post(sent["note_id"])
    assert post.visibility == Visibility.PRIVATE and (await alice()).uri in post.recipients
    shown = await api(live_instance, token, "GET", f"/api/v1/statuses/{post.pk}")
    assert shown.status_code == 200 and shown.json()["visibility"] == "private"
    home = await api(live_instance, token, "GET", "/api/v1/timelines/home")
    assert sent["note_id"] in [s["uri"] for s in home.json()]
    await assert_no_refusals(peer)


async def test_a_forwarded_activity_is_believed_on_its_integrity_proof(live_instance, peer):
    carols = await peer.control.post("carol", "<p>Forwarded by bob</p>", deliver=False, signed=True)
    signed = carols["signed_create"]
    inbox = f"{live_instance.base_url}/inbox"

    forwarded = await peer.control.forward("bob", signed, inbox)

    assert forwarded["status"] == 202, forwarded
    post = await arrived_post(carols["note_id"])
    assert (await post.account).uri == peer.actor("carol").id
    tampered = copy.deepcopy(signed)
    tampered["id"] += "-changed"
    tampered["object"]["content"] = "<p>Changed on the way</p>"
    refused = await peer.control.forward("bob", tampered, inbox)
    assert refused["status"] == 401 and "proof" in refused["body"]
    unproved = {key: value for key, value in signed.items() if key != "proof"} | {"id": signed["id"] + "-bare"}
    refused = await peer.control.forward("bob", unproved, inbox)
    assert refused["status"] == 401 and "no integrity proof" in refused["body"]


async def _context(instance, token: str, status_id: int, side: str, *, count: int):
    response = await api(instance, token, "GET", f"/api/v1/statuses/{status_id}/context")
    found = response.json()[side] if response.status_code == 200 else []
    return found if len(found) >= count else None
