"""Who may read a post that arrives: the addressing, and where it was delivered.

A post delivered to a local artist's personal inbox is readable by her even when its
audience is a collection this server cannot expand (Mastodon's rule), and followers-only
is recognised by the author's published ``followers`` collection, or, when the author
publishes none, by delivery. Checked as the artist's client sees it: the status, and
her home timeline.
"""

from __future__ import annotations

from fediserver.local_accounts import create_api_token
from fediserver.models import Follow, FollowState, InboundState, Post, Visibility
from tests.inbox.support import deliver, our_account, remote_actor

REMOTE = "https://quiet.example/users/kim"
# The followers collection kim's server uses, though her actor does not publish it.
HIDDEN_FOLLOWERS = "https://quiet.example/users/kim/followers"


def followers_only(note_id: str, audience: list[str]) -> dict:
    note = {"id": note_id, "type": "Note", "attributedTo": REMOTE, "content": "<p>for my followers</p>",
            "to": audience, "cc": []}
    return {"id": f"{note_id}/activity", "type": "Create", "actor": REMOTE, "object": note, "to": audience}


async def reader(client, name: str):
    token = await create_api_token(name)

    async def get(path: str):
        return await client.get(path, headers={"Authorization": f"Bearer {token}"})

    return get


async def test_a_followers_only_post_from_an_actor_without_followers_reaches_the_inbox_owner(db, client):
    kim = await remote_actor(REMOTE, followers=None)
    ada = await our_account("ada")
    await our_account("bea")
    await Follow.create(follower=ada, target=kim, state=FollowState.ACCEPTED)

    item = await deliver(followers_only(f"{REMOTE}/statuses/1", [HIDDEN_FOLLOWERS]), to_inbox_of=ada)

    assert item.state == InboundState.DONE, item.last_error
    post = await Post.get(uri=f"{REMOTE}/statuses/1")
    assert post.visibility == Visibility.PRIVATE
    as_ada, as_bea = await reader(client, "ada"), await reader(client, "bea")
    shown = await as_ada(f"/api/v1/statuses/{post.pk}")
    assert shown.status_code == 200 and (await shown.get_json())["visibility"] == "private"
    home = await (await as_ada("/api/v1/timelines/home")).get_json()
    assert [s["uri"] for s in home] == [post.uri]
    # bea neither follows kim nor received it.
    assert (await as_bea(f"/api/v1/statuses/{post.pk}")).status_code == 404
    assert (await client.get(f"/api/v1/statuses/{post.pk}")).status_code == 404


async def test_the_same_post_delivered_to_a_second_personal_inbox_is_readable_there_too(db, client):
    await remote_actor(REMOTE, followers=None)
    ada, bea = await our_account("ada"), await our_account("bea")
    create = followers_only(f"{REMOTE}/statuses/2", [HIDDEN_FOLLOWERS])

    await deliver(create, to_inbox_of=ada)
    await deliver(create, to_inbox_of=bea)  # the same activity: stored once

    post = await Post.get(uri=f"{REMOTE}/statuses/2")
    assert set(post.recipients) == {ada.uri, bea.uri}
    as_bea = await reader(client, "bea")
    assert (await as_bea(f"/api/v1/statuses/{post.pk}")).status_code == 200


async def test_a_direct_message_delivered_to_a_personal_inbox_stays_direct(db, client):
    await remote_actor(REMOTE, followers=None)
    ada = await our_account("ada")

    await deliver(followers_only(f"{REMOTE}/statuses/3", [ada.uri]), to_inbox_of=ada)

    post = await Post.get(uri=f"{REMOTE}/statuses/3")
    assert (post.visibility, post.recipients) == (Visibility.DIRECT, [ada.uri])


async def test_followers_only_is_known_by_the_published_followers_collection(db, client):
    kim = await remote_actor(REMOTE)
    ada = await our_account("ada")
    await Follow.create(follower=ada, target=kim, state=FollowState.ACCEPTED)

    # Through the shared inbox: no delivery to go by, the collection says it all.
    await deliver(followers_only(f"{REMOTE}/statuses/4", [kim.followers_url]))
    # An unknown collection from an author who publishes hers is not her followers.
    await deliver(followers_only(f"{REMOTE}/statuses/5", ["https://quiet.example/circles/7"]))

    assert (await Post.get(uri=f"{REMOTE}/statuses/4")).visibility == Visibility.PRIVATE
    limited = await Post.get(uri=f"{REMOTE}/statuses/5")
    assert limited.visibility == Visibility.DIRECT
    as_ada = await reader(client, "ada")
    assert (await as_ada(f"/api/v1/statuses/{limited.pk}")).status_code == 404
