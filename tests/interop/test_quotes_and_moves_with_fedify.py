"""Quote posts and moving accounts, both ways, against an independent Fedify peer: the
peer quotes alice with her approval and alice quotes the peer with its approval (FEP-044f
QuoteRequest, Accept with a QuoteAuthorization, Update), a refused quote, a legacy quote;
alice moves to the peer, the peer moves to alice, and a remote account moving takes its
followers here with it."""

from __future__ import annotations

import pytest

from fediserver.local_accounts import create_api_token, create_local_account
from fediserver.passwords import hash_password
from fediserver.models import Account, Follow, FollowState, Post, QuoteState
from inbox.quotes import authorizes
from outbox import relations
from tests.interop.two_way import (
    alice,
    alice_follows,
    api,
    alice_posts,
    arrived_post,
    assert_no_refusals,
    eventually,
    live_instance,  # noqa: F401  (fixture)
    peer,  # noqa: F401  (fixture)
    peer_follows_alice,
    peer_receives,
)

pytestmark = pytest.mark.interop


async def quote_settled(uri: str, state: QuoteState):
    return await Post.get_or_none(uri=uri, quote_state=state)


async def test_the_peer_quotes_alice_with_her_approval(live_instance, peer):
    await alice_follows(live_instance, peer)
    original = await alice_posts(live_instance, "A public linocut")
    handle = f"alice@{live_instance.domain}"
    quote = await peer.control.post("bob", "<p>Look at this</p>", quote=original.uri, mentions=[handle])
    await arrived_post(quote["note_id"])

    await peer.control.quote_request("bob", quote["note_id"], original.uri)

    accept = await peer_receives(peer, "Accept", lambda a: isinstance(a["activity"]["object"], dict)
                                 and a["activity"]["object"].get("type") == "QuoteRequest")
    authorization = accept["activity"]["result"]
    stored = await eventually(lambda: quote_settled(quote["note_id"], QuoteState.ACCEPTED),
                              "the peer's quote accepted here")
    assert (stored.quote_of_id, stored.quote_authorization_uri) == (original.pk, authorization)

    async def peer_has_it():
        note = await peer.control.note("bob", quote["note_id"])
        return note if note["quote_state"] == "accepted" else None

    assert (await eventually(peer_has_it, "the peer's quote settled there"))["quote_authorization"] == authorization
    document = await live_instance.services.resolver.document(authorization)
    assert authorizes(document, stored, original, await alice())
    await assert_no_refusals(peer)


@pytest.mark.parametrize("policy,state", [("accept", QuoteState.ACCEPTED), ("reject", QuoteState.REJECTED)])
async def test_alice_quotes_the_peer_and_it_answers(live_instance, peer, policy, state):
    await peer.control.settings("bob", quote_policy=policy)
    await alice_follows(live_instance, peer)
    token = await create_api_token("alice")
    theirs = await peer.control.post("bob", "<p>Quote me</p>", can_quote=["public"])
    quoted = await arrived_post(theirs["note_id"])

    status = await api(live_instance, token, "POST", "/api/v1/statuses",
                       data={"status": "Quoting bob", "quoted_status_id": str(quoted.pk)})
    assert status.status_code == 200, status.text
    assert status.json()["quote"]["state"] == "pending"

    request = await peer_receives(peer, "QuoteRequest", actor=(await alice()).uri)
    assert request["activity"]["object"] == quoted.uri
    ours = await eventually(lambda: quote_settled(status.json()["uri"], state), f"our quote {state.value}")
    shown = await api(live_instance, token, "GET", f"/api/v1/statuses/{ours.pk}")
    assert shown.json()["quote"]["state"] == state.value
    if state == QuoteState.ACCEPTED:
        update = await peer_receives(peer, "Update", lambda a: a["object"] == ours.uri)
        assert update["activity"]["object"]["quoteAuthorization"] == ours.quote_authorization_uri
        assert shown.json()["quote"]["quoted_status"]["uri"] == quoted.uri
    await assert_no_refusals(peer)


async def test_a_legacy_quote_of_alice_is_shown_as_her_policy_allows(live_instance, peer):
    await alice_follows(live_instance, peer)
    original = await alice_posts(live_instance, "Open to quotes")
    quote = await peer.control.post("bob", "<p>RE: alice</p>", quote=original.uri, quote_url_only=True)

    stored = await arrived_post(quote["note_id"])

    assert (stored.quote_of_id, stored.quote_state) == (original.pk, QuoteState.ACCEPTED)
    await assert_no_refusals(peer)


async def test_alice_moves_to_the_peer_and_its_followers_follow_her_there(live_instance, peer):
    me = await alice()
    me.password_hash = hash_password("correct horse")
    await me.save()
    await peer_follows_alice(live_instance, peer, "bob")
    carol = peer.actor("carol")
    await peer.control.settings("carol", aliases=[me.uri])
    token = await create_api_token("alice")

    moved = await api(live_instance, token, "POST", "/api/v1/accounts/move",
                      data={"password": "correct horse", "moved_to_uri": carol.id})

    assert moved.status_code == 202, moved.text
    move = await peer_receives(peer, "Move", actor=me.uri)
    assert move["activity"]["target"] == carol.id

    async def bob_follows_carol():
        return any(f["id"] == carol.id and f["state"] == "accepted" for f in await peer.control.following("bob"))

    await eventually(bob_follows_carol, "bob following alice's new account on the peer")
    refused = await api(live_instance, token, "POST", "/api/v1/statuses", data={"status": "still here?"})
    assert refused.status_code == 422
    await assert_no_refusals(peer)


async def test_the_peer_moves_to_alice_and_her_follower_here_follows_alice(live_instance, peer):
    bob = peer.actor("bob")
    bea = await create_local_account(live_instance.services.urls, "bea")
    bob_here = await live_instance.services.remote_actors.fetch_actor(bob.id)
    follow = await relations.follow(bea, bob_here)
    await eventually(lambda: Follow.get_or_none(pk=follow.pk, state=FollowState.ACCEPTED), "bea following bob")
    token = await create_api_token("alice")
    aliased = await api(live_instance, token, "POST", "/api/v1/accounts/alias",
                        data={"also_known_as_uris[]": [bob.id]})
    assert aliased.status_code == 200, aliased.text

    await peer.control.move("bob", f"alice@{live_instance.domain}")

    await eventually(lambda: Follow.get_or_none(follower=bea, target__username="alice", target__domain="",
                                                state=FollowState.ACCEPTED), "bea following alice instead")
    assert not await Follow.exists(follower=bea, target=bob_here)
    assert (await Account.get(uri=bob.id)).moved_to_uri == (await alice()).uri
    await assert_no_refusals(peer)


async def test_a_remote_account_moving_takes_its_followers_here_along(live_instance, peer):
    bob, carol = peer.actor("bob"), peer.actor("carol")
    carol_here = await alice_follows(live_instance, peer, "carol")
    await live_instance.services.remote_actors.fetch_actor(bob.id)  # known, before it names carol
    await peer.control.settings("bob", aliases=[carol.id])

    await peer.control.move("carol", bob.handle)

    me = await alice()
    follow = await peer_receives(peer, "Follow", lambda a: a["object"] == bob.id, actor=me.uri)
    assert follow["recipient"] in ("bob", None)
    await eventually(lambda: Follow.get_or_none(follower=me, target__uri=bob.id, state=FollowState.ACCEPTED),
                     "alice following carol's new account")
    assert not await Follow.exists(follower=me, target=carol_here)
    await assert_no_refusals(peer)
