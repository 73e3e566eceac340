"""A suspended domain on every path: its inbox POSTs refused before any key fetch,
nothing fetched from it (keys, actors, WebFinger, media), nothing delivered to it, its
accounts suspended, follows cut both ways, its posts and media removed, its queued
activities dropped; lifting the block lets it federate again from then on."""

from __future__ import annotations

import json

from fediserver.models import (
    Account, Delivery, DeliveryState, DomainBlock, Follow, FollowState, InboundState, MediaAttachment, Notification,
    NotificationKind, Post,
)
from fediserver.models.social import start_follow
from fediserver.moderation.domain_blocks import block_domain, unblock_domain
from inbox.resolver import NotResolved
from media.storage.base import content_key
from outbox.publish import publish
from tests.inbox.support import PUBLIC, deliver, remote_actor, remote_post
from tests.inbox_door import BASE

BOB = "https://bad.example/users/bob"
CARL = "https://cdn.bad.example:8443/users/carl"
GOOD = "https://good.example/users/gina"


def signed_follow(peer, tag="1"):
    body = json.dumps(peer.activity("Follow", tag, object=f"{BASE}/users/alice")).encode()
    return body, peer.signed_headers("POST", BASE + "/inbox", body)


async def test_an_inbox_post_from_a_suspended_server_is_403_before_any_key_fetch(server, peer):
    await block_domain("127.0.0.1")
    body, headers = signed_follow(peer)

    response = await server.test_client().post("/inbox", data=body, headers=headers)

    assert response.status_code == 403
    assert (await response.get_json())["error"] == "domain blocked"
    assert peer.server.received == []  # its key was never fetched


async def test_nothing_is_fetched_from_a_suspended_server(server, peer):
    await block_domain("127.0.0.1")
    peer.serve_webfinger()
    resolver = server.config["SERVICES"].resolver

    for target in (peer.actor_id, peer.handle):
        try:
            await resolver.resolve(target)
        except NotResolved as refusal:
            assert "suspended" in str(refusal) or "blocked" in str(refusal)
        else:
            raise AssertionError(f"{target} was resolved")
    assert peer.server.received == []


async def test_suspending_a_domain_suspends_its_accounts_and_cuts_follows_posts_and_media(server):
    alice = await Account.get(username="alice", domain="")
    bob, carl, gina = await remote_actor(BOB), await remote_actor(CARL), await remote_actor(GOOD)
    await start_follow(bob.pk, alice.pk, FollowState.ACCEPTED)
    await start_follow(alice.pk, carl.pk, FollowState.ACCEPTED)
    await start_follow(gina.pk, alice.pk, FollowState.ACCEPTED)
    post = await remote_post(bob, "https://bad.example/posts/1")
    await MediaAttachment.create(account=bob, post=post, remote_url="https://bad.example/a.png", mime="image/png")
    await remote_post(gina, "https://good.example/posts/1")
    await Notification.create(account=alice, from_account=bob, kind=NotificationKind.FOLLOW)

    await block_domain("bad.example")

    assert set(await Account.filter(suspended=True).values_list("username", flat=True)) == {"bob", "carl"}
    assert await Follow.filter(state=FollowState.ACCEPTED).count() == 1  # gina's only
    client = server.test_client()
    shown = await (await client.get(f"/api/v1/accounts/{alice.pk}")).get_json()
    assert (shown["followers_count"], shown["following_count"]) == (1, 0)
    assert await Post.filter(account=bob).count() == 0 and await Post.all().count() == 1
    assert not await MediaAttachment.exists() and not await Notification.exists()


async def test_nothing_is_delivered_to_a_suspended_server(server):
    alice = await Account.get(username="alice", domain="")
    bob, gina = await remote_actor(BOB), await remote_actor(GOOD)
    queued = await publish({"id": f"{BASE}/a/1", "type": "Like", "actor": alice.uri, "object": "x"},
                           actor=alice, inboxes=[bob.inbox_url])

    await block_domain("bad.example")
    note = {"id": f"{BASE}/a/2", "type": "Create", "actor": alice.uri, "to": [PUBLIC], "object": "y"}
    await publish(note, actor=alice, inboxes=[bob.inbox_url, "https://cdn.bad.example/inbox", gina.inbox_url])

    rows = {row.inbox_url: row.state for row in await Delivery.all()}
    assert rows == {bob.inbox_url: DeliveryState.FAILED, gina.inbox_url: DeliveryState.QUEUED}
    failed = await Delivery.get(activity_id=queued.pk)
    assert "suspended" in failed.last_error


async def test_activities_queued_before_the_block_are_dropped_and_flags_too(server):
    alice = await Account.get(username="alice", domain="")
    await remote_actor(BOB)
    await block_domain("bad.example")
    follow = {"id": "https://bad.example/f/1", "type": "Follow", "actor": BOB, "object": alice.uri}

    item = await deliver(follow)

    assert item.state == InboundState.IGNORED and "suspended" in item.last_error
    assert not await Follow.exists()


async def test_lifting_the_block_restores_federation_from_then_on(server, peer):
    await block_domain("127.0.0.1")
    body, headers = signed_follow(peer, "before")
    assert (await server.test_client().post("/inbox", data=body, headers=headers)).status_code == 403
    await remote_actor(f"{peer.origin}/users/old")
    await block_domain("127.0.0.1", severity="suspend")  # applied again: the new account too
    assert (await Account.get(uri=f"{peer.origin}/users/old")).suspended

    assert await unblock_domain("127.0.0.1")
    assert not await DomainBlock.exists()
    body, headers = signed_follow(peer, "after")
    response = await server.test_client().post("/inbox", data=body, headers=headers)
    assert response.status_code == 202
    assert not (await Account.get(uri=f"{peer.origin}/users/old")).suspended
    item = await deliver({**json.loads(body)})
    assert item.state == InboundState.DONE
    assert await Follow.filter(follower__uri=peer.actor_id).exists()


async def test_the_cached_files_of_a_suspended_domain_are_deleted(server):
    store = server.config["SERVICES"].media.store
    bob = await remote_actor(BOB)
    post = await remote_post(bob, "https://bad.example/posts/2")
    data = b"RIFF....WEBP a cached derivative"
    key = await content_key(data, "webp")
    await store.put(key, data, "image/webp")
    await MediaAttachment.create(account=bob, post=post, remote_url="https://bad.example/b.png", mime="image/png",
                                 remote_state="cached", display_key=key, file_size=len(data))
    assert await store.exists(key)

    await block_domain("bad.example")

    assert not await store.exists(key)
    assert not await MediaAttachment.exists()
