"""Follows arriving at our accounts, and answers to the follows our accounts sent."""

from __future__ import annotations

from fediserver.models import Activity, Block, Delivery, Follow, FollowState, InboundState, Notification
from tests.inbox.support import deliver, our_account, remote_actor

BOB = "https://social.example/users/bob"


def follow_of(target: str, number: int = 1) -> dict:
    # Mastodon's shape: the object is the followed actor's id.
    return {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"https://social.example/{number}",
        "type": "Follow",
        "actor": BOB,
        "object": target,
    }


async def test_a_follow_is_accepted_with_an_accept_queued_for_the_followers_inbox(db):
    ada = await our_account("ada")
    bob = await remote_actor(BOB)
    item = await deliver(follow_of(ada.uri))

    assert item.state == InboundState.DONE
    follow = await Follow.get(follower=bob, target=ada)
    assert follow.state == FollowState.ACCEPTED and follow.uri == "https://social.example/1"
    delivery = await Delivery.get().prefetch_related("activity")
    assert delivery.inbox_url == f"{BOB}/inbox" and delivery.domain == "social.example"
    accept = delivery.activity.payload
    assert accept["type"] == "Accept" and accept["actor"] == ada.uri
    assert accept["object"] == {"id": "https://social.example/1", "type": "Follow", "actor": BOB, "object": ada.uri}
    assert accept["to"] == [BOB]
    assert await Notification.filter(account=ada, from_account=bob, kind="follow").count() == 1


async def test_a_manually_approving_account_gets_a_follow_request_and_nothing_is_sent(db):
    ada = await our_account("ada", manually_approves_followers=True)
    bob = await remote_actor(BOB)
    await deliver(follow_of(ada.uri))

    assert (await Follow.get(follower=bob, target=ada)).state == FollowState.PENDING
    assert not await Delivery.exists() and not await Activity.exists()
    assert await Notification.filter(account=ada, kind="follow_request").count() == 1
    assert not await Notification.filter(kind="follow").exists()


async def test_a_repeated_follow_is_answered_again_without_a_second_follow(db):
    ada = await our_account("ada")
    await remote_actor(BOB)
    await deliver(follow_of(ada.uri, 1))
    await deliver(follow_of(ada.uri, 2))

    follow = await Follow.get()
    assert follow.uri == "https://social.example/2"
    assert await Delivery.all().count() == 2
    assert await Notification.all().count() == 1


async def test_a_blocked_follower_is_rejected(db):
    ada = await our_account("ada")
    bob = await remote_actor(BOB)
    await Block.create(account=ada, target=bob)
    await deliver(follow_of(ada.uri))

    assert not await Follow.exists()
    activity = await Activity.get()
    assert activity.payload["type"] == "Reject" and await Delivery.filter(inbox_url=f"{BOB}/inbox").exists()


async def test_a_follow_of_someone_not_ours_is_ignored(db):
    await remote_actor(BOB)
    item = await deliver(follow_of("https://elsewhere.example/users/carol"))
    assert item.state == InboundState.IGNORED and not await Follow.exists()


async def test_an_accept_of_our_follow_matched_by_id(db):
    ada = await our_account("ada")
    bob = await remote_actor(BOB)
    ours = await Follow.create(follower=ada, target=bob, uri=f"{ada.uri}/activities/f1")
    await deliver({"id": f"{BOB}#accepts/follows/1", "type": "Accept", "actor": BOB, "object": ours.uri})
    assert (await Follow.get(id=ours.id)).state == FollowState.ACCEPTED


async def test_an_accept_with_another_id_is_matched_by_actor_and_object(db):
    # Some servers (Lemmy, pub-relay) embed a Follow carrying an id of their own.
    ada = await our_account("ada")
    bob = await remote_actor(BOB)
    ours = await Follow.create(follower=ada, target=bob, uri=f"{ada.uri}/activities/f1")
    await deliver({
        "id": f"{BOB}/accept/9", "type": "Accept", "actor": BOB,
        "object": {"id": f"{BOB}/their-id", "type": "Follow", "actor": ada.uri, "object": BOB},
    })
    assert (await Follow.get(id=ours.id)).state == FollowState.ACCEPTED


async def test_a_reject_of_our_follow(db):
    ada = await our_account("ada")
    bob = await remote_actor(BOB)
    ours = await Follow.create(follower=ada, target=bob, uri=f"{ada.uri}/activities/f1")
    await deliver({"id": f"{BOB}/reject/1", "type": "Reject", "actor": BOB,
                   "object": {"id": ours.uri, "type": "Follow", "actor": ada.uri, "object": BOB}})
    assert (await Follow.get(id=ours.id)).state == FollowState.REJECTED


async def test_an_accept_from_someone_we_did_not_follow_changes_nothing(db):
    ada = await our_account("ada")
    await remote_actor(BOB)
    carol = await remote_actor("https://other.example/users/carol")
    ours = await Follow.create(follower=ada, target=carol, uri=f"{ada.uri}/activities/f1")
    item = await deliver({"id": f"{BOB}/accept/1", "type": "Accept", "actor": BOB, "object": ours.uri})
    assert item.state == InboundState.IGNORED
    assert (await Follow.get(id=ours.id)).state == FollowState.PENDING


async def test_an_undone_follow_is_removed(db):
    ada = await our_account("ada")
    await remote_actor(BOB)
    await deliver(follow_of(ada.uri))
    item = await deliver({"id": f"{BOB}#follows/1/undo", "type": "Undo", "actor": BOB, "object": follow_of(ada.uri)})
    assert item.state == InboundState.DONE and not await Follow.exists()


async def test_a_follower_turned_away_may_ask_again(db):
    from outbox import relations

    ada = await our_account("ada")
    bob = await remote_actor(BOB)
    await deliver(follow_of(ada.uri, 1))
    await relations.reject_follow(ada, bob)
    assert (await Follow.get(follower=bob)).state == FollowState.REJECTED

    await deliver(follow_of(ada.uri, 2))
    follow = await Follow.get(follower=bob)
    assert (follow.state, follow.uri) == (FollowState.ACCEPTED, "https://social.example/2")
    sent = [d.activity.payload["type"] for d in await Delivery.all().order_by("id").prefetch_related("activity")]
    assert sent == ["Accept", "Reject", "Accept"]
