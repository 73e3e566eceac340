"""Two-way federation with an independent Fedify peer: follows, posts and reply threads.

Our instance is served by a real Hypercorn with its background jobs running, on SQLite
and PostgreSQL; the peer verifies every signature we send and we verify every one it
sends. Each test drives one side and waits until the other side shows what a person
there would see. (Discovery of alice by WebFinger and the 401s for tampered, stale and
unsigned posts are proven in test_fediserver_with_fedify.py.)
"""

from __future__ import annotations

import httpx
import pytest

from fediserver.local_accounts import create_api_token
from fediserver.models import Follow, FollowState, Notification, NotificationKind, Visibility
from outbox import relations
from tests.interop.two_way import (
    alice,
    alice_follows,
    alice_handle,
    alice_posts,
    arrived_post,
    assert_no_refusals,
    eventually,
    followers_of_alice,
    live_instance,  # noqa: F401  (fixture)
    peer,  # noqa: F401  (fixture)
    peer_follows_alice,
    peer_receives,
)

pytestmark = pytest.mark.interop


async def test_the_peer_follows_alice_and_receives_our_accept(live_instance, peer):
    bob = peer.actor("bob")

    follow_id = await peer_follows_alice(live_instance, peer)

    accept = await peer_receives(peer, "Accept", actor=(await alice()).uri)
    assert accept["activity"]["object"]["id"] == follow_id
    assert await followers_of_alice(live_instance) == [bob.id]
    follow = await Follow.get(uri=follow_id)
    assert follow.state == FollowState.ACCEPTED
    assert await Notification.filter(kind=NotificationKind.FOLLOW, from_account__uri=bob.id).count() == 1
    await assert_no_refusals(peer)


async def test_alice_follows_the_peer_and_its_accept_arrives(live_instance, peer):
    me = await alice()

    await alice_follows(live_instance, peer)

    [follower] = await peer.control.followers("bob")
    assert (follower["id"], follower["state"]) == (me.uri, "accepted")
    received = await peer_receives(peer, "Follow", actor=me.uri)
    assert received["signature"] == "rfc9421"
    await assert_no_refusals(peer)


async def test_a_follow_the_peer_refuses_ends_rejected_and_can_be_asked_again(live_instance, peer):
    me = await alice()
    await peer.control.set_follow_policy("carol", "reject")
    carol = await live_instance.services.remote_actors.fetch_actor(peer.actor("carol").id)

    refused = await relations.follow(me, carol)
    await eventually(lambda: Follow.get_or_none(pk=refused.pk, state=FollowState.REJECTED),
                     "alice's follow of carol rejected here")
    assert await peer.control.followers("carol") == []

    await peer.control.set_follow_policy("carol", "accept")
    await alice_follows(live_instance, peer, "carol")
    [follower] = await peer.control.followers("carol")
    assert (follower["id"], follower["state"]) == (me.uri, "accepted")
    await assert_no_refusals(peer)


async def test_a_locked_artist_authorises_one_request_and_rejects_another(live_instance, peer):
    """Through the client API, as the artist would answer; the peer sees each answer."""
    me = await alice()
    me.manually_approves_followers = True
    await me.save(update_fields=["manually_approves_followers"])
    token = await create_api_token("alice")
    asked = {name: (await peer.control.follow(name, alice_handle(live_instance)))["follow_id"]
             for name in ("bob", "carol")}
    for name, follow_id in asked.items():
        await eventually(lambda: Follow.get_or_none(uri=follow_id, state=FollowState.PENDING),
                         f"{name}'s follow request waiting here")
    assert [f["state"] for f in await peer.control.following("bob")] == ["pending"]

    async with httpx.AsyncClient(base_url=live_instance.base_url,
                                 headers={"Authorization": f"Bearer {token}"}) as api:
        waiting = (await api.get("/api/v1/follow_requests")).json()
        assert sorted(account["acct"] for account in waiting) == sorted(
            f"{name}@{peer.actor(name).id.split('/')[2]}" for name in asked)
        ids = {account["username"]: account["id"] for account in waiting}
        assert (await api.post(f"/api/v1/follow_requests/{ids['bob']}/authorize")).json()["followed_by"] is True
        assert (await api.post(f"/api/v1/follow_requests/{ids['carol']}/reject")).json()["followed_by"] is False

    await peer_receives(peer, "Accept", lambda a: a["activity"]["object"]["id"] == asked["bob"], actor=me.uri)
    await peer_receives(peer, "Reject", lambda a: a["activity"]["object"]["id"] == asked["carol"], actor=me.uri)

    async def settled_on_the_peer():
        return (await peer.control.following("bob") == [{"id": me.uri, "state": "accepted", "follow_id": asked["bob"]}]
                and await peer.control.following("carol") == [])

    await eventually(settled_on_the_peer, "bob accepted and carol turned away on the peer")
    assert await followers_of_alice(live_instance) == [peer.actor("bob").id]
    await assert_no_refusals(peer)


async def test_posts_travel_both_ways(live_instance, peer):
    bob = peer.actor("bob")
    await peer_follows_alice(live_instance, peer)
    await alice_follows(live_instance, peer)

    post = await alice_posts(live_instance, "A new charcoal study, fresh off the easel")
    create = await peer_receives(peer, "Create", lambda a: a["object"] == post.uri)
    assert create["activity"]["object"]["content"] == post.content
    assert "charcoal study" in post.content

    sent = await peer.control.post(
        "bob", '<p>My <b>sketchbook</b> page<script>alert("x")</script>'
               '<a href="https://bob.example/s" onclick="steal()">more</a></p>')
    theirs = await arrived_post(sent["note_id"])
    assert (await theirs.account).uri == bob.id
    assert "sketchbook" in theirs.content and "more" in theirs.content
    assert "<script" not in theirs.content and "onclick" not in theirs.content
    assert 'rel="nofollow noopener noreferrer"' in theirs.content
    await assert_no_refusals(peer)


async def test_audiences_and_content_warnings_carry_over_both_ways(live_instance, peer):
    alice_uri = (await alice()).uri
    bob = peer.actor("bob")
    await peer_follows_alice(live_instance, peer)
    await alice_follows(live_instance, peer)

    warned = await peer.control.post("bob", "<p>Life drawing session</p>", summary="nudity", sensitive=True,
                                     prefer_shared_inbox=True)
    followers_only = await peer.control.post("bob", "<p>Work in progress</p>", public=False, prefer_shared_inbox=True)
    direct = await peer.control.post("bob", "<p>Commission?</p>", public=False, to_followers=False,
                                     mentions=[f"alice@{live_instance.domain}"])
    warned_post = await arrived_post(warned["note_id"])
    assert (warned_post.summary, warned_post.sensitive, warned_post.visibility) == ("nudity", True, Visibility.PUBLIC)
    assert (await arrived_post(followers_only["note_id"])).visibility == Visibility.PRIVATE
    direct_post = await arrived_post(direct["note_id"])
    assert (direct_post.visibility, direct_post.recipients) == (Visibility.DIRECT, [alice_uri])

    ours_direct = await alice_posts(live_instance, f"Yes! @bob@127.0.0.1:{peer.port}", visibility="direct")
    received = await peer_receives(peer, "Create", lambda a: a["object"] == ours_direct.uri)
    assert received["recipient"] == "bob"
    assert (received["activity"]["object"]["to"], received["activity"]["object"]["cc"]) == ([bob.id], [])
    ours_private = await alice_posts(live_instance, "Sketches for followers", visibility="private")
    received = await peer_receives(peer, "Create", lambda a: a["object"] == ours_private.uri)
    assert received["activity"]["object"]["to"] == [f"{alice_uri}/followers"]
    await assert_no_refusals(peer)


async def test_reply_threads_both_ways(live_instance, peer):
    await peer_follows_alice(live_instance, peer)
    await alice_follows(live_instance, peer)
    post = await alice_posts(live_instance, "Which brush for wet-on-wet?")
    await peer_receives(peer, "Create", lambda a: a["object"] == post.uri)

    reply = await peer.control.post("bob", "<p>A round sable, size 8</p>", in_reply_to=post.uri,
                                    mentions=[f"alice@{live_instance.domain}"])
    their_reply = await arrived_post(reply["note_id"])
    assert their_reply.in_reply_to_id == post.pk
    assert await Notification.exists(kind=NotificationKind.MENTION, post=their_reply)

    answer = await alice_posts(live_instance, "Thanks, I will try it!", in_reply_to=their_reply)
    create = await peer_receives(peer, "Create", lambda a: a["object"] == answer.uri)
    assert create["activity"]["object"]["inReplyTo"] == reply["note_id"]
    await assert_no_refusals(peer)


async def test_unfollows_both_ways(live_instance, peer):
    me = await alice()
    follow_id = await peer_follows_alice(live_instance, peer)
    bob = await alice_follows(live_instance, peer)

    await peer.control.unfollow("bob", f"alice@{live_instance.domain}")
    async def follow_gone():
        return not await Follow.exists(uri=follow_id)

    await eventually(follow_gone, "bob's follow removed here")
    assert await followers_of_alice(live_instance) == []

    await relations.unfollow(me, bob)
    undo = await peer_receives(peer, "Undo", actor=me.uri)
    assert undo["activity"]["object"]["type"] == "Follow"

    async def forgotten():
        return await peer.control.followers("bob") == []

    await eventually(forgotten, "alice gone from bob's followers on the peer")
    await assert_no_refusals(peer)
