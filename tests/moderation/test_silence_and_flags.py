"""Silence (limit) and the two flags on their paths: public timeline and search, follows
that become requests, notifications only from followed accounts; rejected media never
fetched and shown as a link; rejected reports dropped; lifting a silence."""

from __future__ import annotations

import pytest

from fediserver.models import (
    Account, Follow, FollowState, InboundState, MediaAttachment, Notification, NotificationKind, Post, Report,
)
from fediserver.models.interactions import notify
from fediserver.models.social import start_follow
from fediserver.moderation.domain_blocks import block_domain, unblock_domain
from media.remote import LINKED, RemoteMediaUnavailable
from tests.inbox.support import deliver, remote_actor, remote_post

BOB = "https://loud.example/users/bob"
GINA = "https://good.example/users/gina"


@pytest.fixture
async def world(server):
    alice = await Account.get(username="alice", domain="")
    bob, gina = await remote_actor(BOB), await remote_actor(GINA)
    await remote_post(bob, "https://loud.example/posts/1", "<p>bob shouts</p>")
    await remote_post(gina, "https://good.example/posts/1", "<p>gina paints</p>")
    return alice, bob, gina


async def public_contents(client) -> set[str]:
    answer = await client.get("/api/v1/timelines/public?remote=true")
    return {status["content"] for status in await answer.get_json()}


async def test_a_silenced_server_stays_out_of_the_public_timeline_and_search(server, world):
    client = server.test_client()
    assert await public_contents(client) == {"<p>bob shouts</p>", "<p>gina paints</p>"}

    await block_domain("loud.example", severity="silence")

    assert await public_contents(client) == {"<p>gina paints</p>"}
    found = await (await client.get("/api/v1/accounts/search?q=bob")).get_json()
    assert found == []
    assert [a["acct"] for a in await (await client.get("/api/v1/accounts/search?q=gina")).get_json()] == [
        "gina@good.example"]
    # Still there for whoever asks for it by its address.
    post = await Post.get(uri="https://loud.example/posts/1")
    assert (await client.get(f"/api/v1/statuses/{post.pk}")).status_code == 200

    await unblock_domain("loud.example")
    assert await public_contents(client) == {"<p>bob shouts</p>", "<p>gina paints</p>"}


async def test_a_follow_from_a_silenced_server_becomes_a_request(server, world):
    alice, bob, gina = world
    await block_domain("loud.example", severity="silence")

    for actor, number in ((BOB, 1), (GINA, 2)):
        item = await deliver({"id": f"{actor}/follows/{number}", "type": "Follow", "actor": actor, "object": alice.uri})
        assert item.state == InboundState.DONE

    assert (await Follow.get(follower=bob)).state == FollowState.PENDING
    assert (await Follow.get(follower=gina)).state == FollowState.ACCEPTED


async def test_a_silenced_server_notifies_only_those_who_follow_it(server, world):
    alice, bob, gina = world
    ada = await Account.create(username="ada", uri="https://art.example/users/ada")
    await block_domain("loud.example", severity="silence")
    await start_follow(ada.pk, bob.pk, FollowState.ACCEPTED)

    for recipient in (alice, ada):
        await notify(recipient, bob, NotificationKind.MENTION)
        await notify(recipient, gina, NotificationKind.MENTION)

    got = {(n.account_id, n.from_account_id) for n in await Notification.all()}
    assert got == {(alice.pk, gina.pk), (ada.pk, bob.pk), (ada.pk, gina.pk)}


async def test_rejected_media_is_never_fetched_and_shown_as_a_link(server, peer):
    services = server.config["SERVICES"]
    dora = await remote_actor(peer.actor_id)
    post = await remote_post(dora, f"{peer.origin}/posts/1")
    url = f"{peer.origin}/media/a.png"
    attachment = await MediaAttachment.create(account=dora, post=post, remote_url=url, mime="image/png")
    await block_domain("127.0.0.1", severity="noop", reject_media=True)

    with pytest.raises(RemoteMediaUnavailable):
        await services.remote_media.fetch_and_cache(attachment)

    assert peer.server.received == []
    assert (await MediaAttachment.get(id=attachment.pk)).remote_state == LINKED
    client = server.test_client()
    status = await (await client.get(f"/api/v1/statuses/{post.pk}")).get_json()
    assert [(m["type"], m["url"]) for m in status["media_attachments"]] == [("unknown", url)]
    assert (await client.get(f"/media/remote/{attachment.pk}/display")).status_code == 404
    # The server itself still federates: only its media is refused.
    assert services.domains.refusal(peer.origin.removeprefix("http://")) is None


async def test_reports_from_a_server_whose_reports_are_rejected_are_dropped(server, world):
    alice, bob, gina = world
    await block_domain("loud.example", severity="noop", reject_reports=True)

    dropped = await deliver({"id": f"{BOB}/flags/1", "type": "Flag", "actor": BOB, "object": [alice.uri],
                             "content": "spam"})
    kept = await deliver({"id": f"{GINA}/flags/1", "type": "Flag", "actor": GINA, "object": [alice.uri],
                          "content": "spam"})

    assert dropped.state == InboundState.IGNORED and "rejected" in dropped.last_error
    assert kept.state == InboundState.DONE
    assert [r.reporter_id for r in await Report.all()] == [gina.pk]
