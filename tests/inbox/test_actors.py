"""Remote actors updating their profile, deleting their account and moving."""

from __future__ import annotations

from fediserver.models import Account, Activity, Delivery, Follow, FollowState, InboundState, Notification, Post
from tests.inbox.support import actor_document, deliver, our_account, remote_actor, remote_post

BOB = "https://social.example/users/bob"
NEW_BOB = "https://new.example/users/bob"


async def test_a_profile_update_refreshes_the_account_with_clean_html(db):
    await remote_actor(BOB)
    document = actor_document(
        BOB, name="Bob Ink", summary='<p>inker<script>x()</script></p>', manuallyApprovesFollowers=True,
        attachment=[{"type": "PropertyValue", "name": "site", "value": '<a href="https://bob.example" onclick="x">bob</a>'}],
        alsoKnownAs=["https://old.example/users/bob"],
    )
    item = await deliver({"id": f"{BOB}#updates/1", "type": "Update", "actor": BOB, "object": document})
    assert item.state == InboundState.DONE
    bob = await Account.get(uri=BOB)
    assert bob.display_name == "Bob Ink" and bob.summary == "<p>inker</p>" and bob.manually_approves_followers
    assert bob.profile_fields == [{"name": "site", "value": '<a href="https://bob.example" rel="nofollow noopener noreferrer">bob</a>'}]
    assert bob.also_known_as == ["https://old.example/users/bob"]


async def test_an_update_of_another_actor_is_refused(db):
    await remote_actor(BOB)
    await remote_actor("https://social.example/users/mallory")
    item = await deliver({"id": "https://social.example/users/mallory#u/1", "type": "Update",
                          "actor": "https://social.example/users/mallory",
                          "object": actor_document(BOB, name="pwned")})
    assert item.state == InboundState.FAILED and item.last_error.startswith("forged:")
    assert (await Account.get(uri=BOB)).display_name == "Remote Artist"


async def test_a_deleted_actor_is_suspended_with_their_posts_and_follows_gone(db):
    ada = await our_account("ada")
    bob = await remote_actor(BOB)
    await remote_post(bob, f"{BOB}/statuses/1")
    await Follow.create(follower=bob, target=ada, state=FollowState.ACCEPTED)
    await Follow.create(follower=ada, target=bob, state=FollowState.ACCEPTED)
    item = await deliver({"id": f"{BOB}#delete", "type": "Delete", "actor": BOB, "object": BOB})
    assert item.state == InboundState.DONE
    assert (await Account.get(uri=BOB)).suspended
    assert not await Post.exists() and not await Follow.exists()
    later = await deliver({"id": f"{BOB}/statuses/2/activity", "type": "Create", "actor": BOB,
                           "object": {"id": f"{BOB}/statuses/2", "type": "Note", "attributedTo": BOB}})
    assert later.state == InboundState.IGNORED and "suspended" in later.last_error


async def test_a_move_to_an_account_that_names_the_old_one_moves_our_follows(db):
    ada = await our_account("ada")
    grace = await our_account("grace")
    old = await remote_actor(BOB)
    new = await remote_actor(NEW_BOB, alsoKnownAs=[BOB])
    await Follow.create(follower=ada, target=old, state=FollowState.ACCEPTED)
    await Follow.create(follower=grace, target=new, state=FollowState.ACCEPTED)
    item = await deliver({"id": f"{BOB}#moves/1", "type": "Move", "actor": BOB, "object": BOB, "target": NEW_BOB})

    assert item.state == InboundState.DONE
    assert (await Account.get(id=old.id)).moved_to_uri == NEW_BOB
    assert not await Follow.filter(target=old).exists()
    moved = await Follow.get(follower=ada, target=new)
    assert moved.state == FollowState.PENDING
    sent = await Activity.get(uri=moved.uri)
    assert sent.payload["type"] == "Follow" and sent.payload["object"] == NEW_BOB and sent.actor_id == ada.id
    assert await Delivery.filter(activity=sent, inbox_url=f"{NEW_BOB}/inbox").exists()
    assert await Follow.filter(follower=grace, target=new, state=FollowState.ACCEPTED).count() == 1
    assert await Notification.filter(account=ada, from_account=old, kind="move").exists()


async def test_a_move_the_new_account_does_not_confirm_is_refused(db):
    ada = await our_account("ada")
    old = await remote_actor(BOB)
    await remote_actor(NEW_BOB)  # no alsoKnownAs
    await Follow.create(follower=ada, target=old, state=FollowState.ACCEPTED)
    item = await deliver({"id": f"{BOB}#moves/1", "type": "Move", "actor": BOB, "object": BOB, "target": NEW_BOB})
    assert item.state == InboundState.FAILED and "alsoKnownAs" in item.last_error
    assert await Follow.filter(follower=ada, target=old).exists() and not await Delivery.exists()


async def test_a_move_of_someone_else_is_refused(db):
    await remote_actor(BOB)
    await remote_actor(NEW_BOB, alsoKnownAs=[BOB])
    mallory = "https://social.example/users/mallory"
    await remote_actor(mallory)
    item = await deliver({"id": f"{mallory}#moves/1", "type": "Move", "actor": mallory, "object": BOB,
                          "target": NEW_BOB})
    assert item.state == InboundState.FAILED and item.last_error.startswith("forged:")


async def test_two_actors_of_one_server_with_the_same_name_are_both_stored(db):
    # Lemmy serves a user and a community that may share a name on one host.
    person = await remote_actor("https://lemmy.example/u/main")
    community = await remote_actor("https://lemmy.example/c/main", type="Group")
    assert person.username == "main" and community.username.startswith("main-")
    assert community.actor_type == "Group" and person.id != community.id
