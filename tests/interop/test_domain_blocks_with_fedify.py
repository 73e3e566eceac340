"""Domain blocks against an independent Fedify peer: suspended (what it sends is refused
with 403, nothing reaches it, its follow is cut), silenced (its follow waits as a
request, its post stays out of the public timeline), and unblocked (federation resumes).

Our instance is served on 127.0.0.2 so the peer's host, 127.0.0.1, can be blocked
without blocking our own."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from fediserver.local_accounts import create_local_account
from fediserver.models import Account, Follow, FollowState, Post
from fediserver.moderation.domain_blocks import block_domain, unblock_domain
from tests.interop.served_instance import ServedInstance
from tests.interop.two_way import (
    alice,
    alice_handle,
    alice_posts,
    eventually,
    followers_of_alice,
    peer,  # noqa: F401  (fixture)
    peer_follows_alice,
)

pytestmark = pytest.mark.interop
PEER_HOST = "127.0.0.1"


@pytest.fixture
async def our_instance(db):
    async with ServedInstance(db, run_jobs=True, host="127.0.0.2") as served:
        await create_local_account(served.services.urls, "alice", display_name="Alice")
        yield served


async def test_a_suspended_peer_is_cut_off_both_ways(our_instance, peer):
    await peer_follows_alice(our_instance, peer)
    bob = peer.actor("bob")
    assert await followers_of_alice(our_instance) == [bob.id]

    await block_domain(PEER_HOST)

    assert (await Account.get(uri=bob.id)).suspended
    assert await followers_of_alice(our_instance) == []
    sent = await peer.control.post("bob", "<p>still there?</p>", mentions=[alice_handle(our_instance)])
    [to_alice] = [d for d in sent["deliveries"] if d["to"] != "followers"]
    assert not to_alice["ok"] and "403" in to_alice["error"]
    again = await peer.control.follow("bob", alice_handle(our_instance))
    assert not any(d["ok"] for d in again["deliveries"])

    await alice_posts(our_instance, "for my followers only, and the peer is none of them")
    await asyncio.sleep(1.0)  # the delivery job runs meanwhile; nothing may leave for the peer
    me = (await alice()).uri
    assert await peer.control.inbox("Create", actor=me) == []
    assert not await Post.filter(account__uri=bob.id).exists()


async def test_a_silenced_peer_asks_to_follow_and_stays_out_of_public_lists(our_instance, peer):
    await block_domain(PEER_HOST, severity="silence")
    bob = peer.actor("bob")

    answer = await peer.control.follow("bob", alice_handle(our_instance))
    assert all(d["ok"] for d in answer["deliveries"])
    follow = await eventually(lambda: Follow.get_or_none(follower__uri=bob.id), "the peer's follow stored here")
    assert follow.state == FollowState.PENDING
    sent = await peer.control.post("bob", "<p>hello alice</p>", mentions=[alice_handle(our_instance)])
    await eventually(lambda: Post.get_or_none(uri=sent["note_id"]), "the peer's post stored here")
    async with httpx.AsyncClient() as client:
        public = (await client.get(f"{our_instance.base_url}/api/v1/timelines/public")).json()
    assert sent["note_id"] not in [status["uri"] for status in public]


async def test_an_unblocked_peer_federates_again(our_instance, peer):
    await block_domain(PEER_HOST)
    refused = await peer.control.follow("bob", alice_handle(our_instance))
    assert not any(d["ok"] for d in refused["deliveries"])

    assert await unblock_domain(PEER_HOST)

    await peer_follows_alice(our_instance, peer)
    assert await followers_of_alice(our_instance) == [peer.actor("bob").id]
