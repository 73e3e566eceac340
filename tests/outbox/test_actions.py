"""Each local action: the rows it changes, the activity it queues, and the inboxes it targets."""

from __future__ import annotations

import pytest

from fediserver.models import Account, Activity, Block, Delivery, Favourite, Follow, FollowState, Post, Visibility
from fediserver.local_accounts import create_local_account
from outbox import relations, statuses
from outbox.errors import ActionError
from outbox.objects import PUBLIC
from tests.outbox.conftest import URLS, remote_account


async def sent(activity_type: str) -> tuple[dict, list[str]]:
    """The one activity of that type published, and the inboxes it was queued for."""
    [record] = await Activity.filter(type=activity_type, local=True)
    inboxes = await Delivery.filter(activity=record).order_by("inbox_url").values_list("inbox_url", flat=True)
    return record.payload, list(inboxes)


@pytest.fixture
async def audience(ada):
    """Followers of ada on two servers (two on one with a shared inbox), one pending, one local."""
    big1, big2 = await remote_account("b1", "big.example"), await remote_account("b2", "big.example")
    lone = await remote_account("s1", "small.example", shared=False)
    pending = await remote_account("p1", "pending.example")
    grace = await create_local_account(URLS, "grace")
    for follower in (big1, big2, lone, grace):
        await Follow.create(follower=follower, target=ada, state=FollowState.ACCEPTED)
    await Follow.create(follower=pending, target=ada, state=FollowState.PENDING)
    return {"big1": big1, "lone": lone, "grace": grace, "pending": pending}


FOLLOWER_INBOXES = ["https://big.example/inbox", "https://small.example/users/s1/inbox"]


async def test_a_public_post_goes_once_to_each_followers_server(ada, audience):
    post = await statuses.post_status(ada, "Hello #Ink and #ink!\n\nSee https://ex.example/a.", visibility="public")
    create, inboxes = await sent("Create")
    assert inboxes == FOLLOWER_INBOXES
    note = create["object"]
    assert create["actor"] == ada.uri and note["id"] == post.uri == f"{ada.uri}/statuses/{post.pk}"
    assert (create["to"], create["cc"]) == (note["to"], note["cc"]) == ([PUBLIC], [ada.followers_url])
    assert note["tag"] == [{"type": "Hashtag", "href": "https://art.example/tags/ink", "name": "#ink"}]
    assert note["content"].startswith('<p>Hello <a href="https://art.example/tags/ink" class="mention hashtag"')
    assert '<a href="https://ex.example/a"' in note["content"] and note["content"].endswith(".</p>")


async def test_mentions_are_linked_tagged_addressed_and_delivered(ada, audience):
    far = await remote_account("zoe", "far.example")
    await statuses.post_status(ada, "hi @zoe@far.example and @grace <b>", visibility="public")
    create, inboxes = await sent("Create")
    assert inboxes == ["https://big.example/inbox", "https://far.example/inbox", "https://small.example/users/s1/inbox"]
    note = create["object"]
    assert {"type": "Mention", "href": far.uri, "name": "@zoe@far.example"} in note["tag"]
    assert {"type": "Mention", "href": audience["grace"].uri, "name": "@grace@art.example"} in note["tag"]
    assert far.uri in note["cc"] and "&lt;b&gt;" in note["content"] and "<b>" not in note["content"]
    assert f'href="{far.url}" class="u-url mention">@<span>zoe</span>' in note["content"]


async def test_a_direct_message_reaches_only_the_mentioned_inboxes(ada, audience):
    far = await remote_account("zoe", "far.example")
    post = await statuses.post_status(ada, "@zoe@far.example psst", visibility="direct")
    create, inboxes = await sent("Create")
    assert inboxes == [far.inbox_url]
    assert (create["to"], create["cc"]) == ([far.uri], [])
    assert post.visibility == Visibility.DIRECT


async def test_a_reply_reaches_the_replied_to_author(ada, audience):
    far = await remote_account("zoe", "far.example", shared=False)
    original = await Post.create(uri="https://far.example/notes/1", account=far, published_at="2026-01-01T00:00:00Z")
    await statuses.post_status(ada, "lovely", visibility="unlisted", in_reply_to=original)
    create, inboxes = await sent("Create")
    assert inboxes == sorted([*FOLLOWER_INBOXES, far.inbox_url])
    assert create["object"]["inReplyTo"] == original.uri
    assert (create["to"], create["cc"]) == ([ada.followers_url], [PUBLIC, far.uri])


async def test_mentioning_an_unknown_account_is_refused_and_nothing_is_stored(ada, audience):
    with pytest.raises(ActionError, match="@nobody@nowhere.example: unknown account"):
        await statuses.post_status(ada, "hey @nobody@nowhere.example", visibility="public")
    with pytest.raises(ActionError, match="visibility 'loud'"):
        await statuses.post_status(ada, "hey", visibility="loud")
    assert not await Post.exists() and not await Activity.exists()


async def test_edit_and_delete_reach_the_same_audience(ada, audience):
    post = await statuses.post_status(ada, "first", visibility="private", spoiler_text="cw")
    await statuses.edit_status(post, "second #draft")
    update, update_inboxes = await sent("Update")
    assert update["object"]["id"] == post.uri and "second" in update["object"]["content"]
    assert update["object"]["updated"] and update["object"]["summary"] == "cw"
    assert update_inboxes == FOLLOWER_INBOXES and update["to"] == [ada.followers_url]

    await statuses.delete_status(post)
    delete, delete_inboxes = await sent("Delete")
    assert delete["object"] == {"id": post.uri, "type": "Tombstone", "formerType": "Note",
                                "deleted": delete["object"]["deleted"]}
    assert delete_inboxes == FOLLOWER_INBOXES and delete["to"] == [ada.followers_url]
    assert (await Post.get(pk=post.pk)).deleted_at is not None
    with pytest.raises(ActionError, match="deleted"):
        await statuses.edit_status(post, "third")


async def test_following_a_remote_account_waits_for_accept_and_unfollow_undoes_it(ada):
    far = await remote_account("zoe", "far.example")
    made = await relations.follow(ada, far)
    assert made.state == FollowState.PENDING
    assert (await relations.follow(ada, far)).pk == made.pk
    follow, inboxes = await sent("Follow")
    assert inboxes == [far.inbox_url] and follow["object"] == far.uri and follow["id"] == made.uri

    await relations.unfollow(ada, far)
    undo, undo_inboxes = await sent("Undo")
    assert undo_inboxes == [far.inbox_url]
    assert undo["object"] == {"id": follow["id"], "type": "Follow", "actor": ada.uri, "object": far.uri}
    assert not await Follow.exists()


async def test_following_a_local_account_is_accepted_at_once_without_delivery(ada):
    grace = await create_local_account(URLS, "grace")
    assert (await relations.follow(ada, grace)).state == FollowState.ACCEPTED
    assert not await Delivery.exists()


async def test_favourite_and_unfavourite_tell_the_author(ada):
    far = await remote_account("zoe", "far.example")
    post = await Post.create(uri="https://far.example/notes/1", account=far, published_at="2026-01-01T00:00:00Z")
    await relations.favourite(ada, post)
    await relations.favourite(ada, post)
    like, inboxes = await sent("Like")
    assert inboxes == [far.inbox_url] and like["object"] == post.uri
    assert await Favourite.filter(account=ada, post=post).count() == 1
    await relations.unfavourite(ada, post)
    undo, _ = await sent("Undo")
    assert undo["object"]["id"] == like["id"] and not await Favourite.exists()


async def test_a_boost_goes_to_the_boosters_followers_and_the_author(ada, audience):
    far = await remote_account("zoe", "far.example")
    post = await Post.create(uri="https://far.example/notes/1", account=far, published_at="2026-01-01T00:00:00Z")
    boost = await relations.reblog(ada, post)
    announce, inboxes = await sent("Announce")
    assert inboxes == sorted([*FOLLOWER_INBOXES, "https://far.example/inbox"])
    assert (announce["to"], announce["cc"]) == ([PUBLIC], [far.uri, ada.followers_url])
    assert announce["object"] == post.uri and boost.boost_of_id == post.pk
    await relations.unreblog(ada, post)
    undo, undo_inboxes = await sent("Undo")
    assert undo_inboxes == inboxes and undo["object"]["type"] == "Announce"
    assert not await Post.filter(boost_of=post).exists()


async def test_a_followers_only_post_cannot_be_boosted(ada):
    far = await remote_account("zoe", "far.example")
    post = await Post.create(uri="https://far.example/notes/2", account=far, visibility=Visibility.PRIVATE,
                             published_at="2026-01-01T00:00:00Z")
    with pytest.raises(ActionError, match="only public and unlisted"):
        await relations.reblog(ada, post)


async def test_blocking_ends_follows_both_ways_and_tells_the_target(ada):
    far = await remote_account("zoe", "far.example")
    await Follow.create(follower=far, target=ada, state=FollowState.ACCEPTED)
    await Follow.create(follower=ada, target=far, state=FollowState.ACCEPTED, uri="https://art.example/f/1")
    await relations.block(ada, far)
    block, inboxes = await sent("Block")
    assert inboxes == [far.inbox_url] and block["object"] == far.uri
    assert not await Follow.exists()
    with pytest.raises(ActionError, match="block each other"):
        await relations.follow(ada, far)
    await relations.unblock(ada, far)
    undo, _ = await sent("Undo")
    assert undo["object"]["type"] == "Block" and not await Block.exists()


async def test_follows_that_cannot_be_made_are_refused_with_the_reason(ada):
    nowhere = await Account.create(username="ghost", domain="far.example", uri="https://far.example/users/ghost")
    with pytest.raises(ActionError, match="no known inbox"):
        await relations.follow(ada, nowhere)
    with pytest.raises(ActionError, match="cannot follow itself"):
        await relations.follow(ada, ada)
    with pytest.raises(ActionError, match="not an account of this instance"):
        await relations.follow(nowhere, ada)
    assert not await Follow.exists() and not await Activity.exists()


async def test_local_artists_are_notified_by_the_action_itself(ada):
    """Whatever the door (client API, a future web page), acting on a local artist tells her once."""
    from fediserver.models import Notification

    grace = await create_local_account(URLS, "grace")
    post = await statuses.post_status(ada, "a study in blue", visibility="public")
    await statuses.post_status(grace, "look, @ada", visibility="public")
    await relations.favourite(grace, post)
    await relations.favourite(grace, post)  # already done: no second notification
    await relations.reblog(grace, post)
    await relations.follow(grace, ada)
    await relations.favourite(ada, post)  # her own post: nobody to tell

    kinds = sorted(await Notification.filter(account=ada).values_list("kind", flat=True))
    assert kinds == ["favourite", "follow", "mention", "reblog"]
    assert await Notification.filter(account=grace).count() == 0
