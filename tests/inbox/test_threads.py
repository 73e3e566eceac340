"""Threads fetched in the background from a real HTTP server on loopback: the parents of
a reply (bounded, a loop ends), the replies below a post (paged, bounded), and the inbox
fetching the posts a boost, a like or a reply needs."""

from __future__ import annotations

import json

import pytest

from fediserver.models import Favourite, FetchKind, FetchState, FetchTask, InboundState, Post
from inbox.processing import InboundProcessor
from inbox.fetch_tasks import FetchJob, enqueue_fetch
from tests.inbox.support import deliver, our_account, remote_post
from tests.remote_peer import RemotePeer

PUBLIC = "https://www.w3.org/ns/activitystreams#Public"


@pytest.fixture
async def dora():
    async with RemotePeer("dora") as remote:
        yield remote


def status(peer: RemotePeer, number: int) -> str:
    return f"{peer.actor_id}/statuses/{number}"


def serve_note(peer: RemotePeer, number: int, reply_to: int | None = None, **fields) -> dict:
    note = {"@context": "https://www.w3.org/ns/activitystreams", "id": status(peer, number), "type": "Note",
            "attributedTo": peer.actor_id, "content": f"<p>note {number}</p>", "to": [PUBLIC], "cc": [],
            "inReplyTo": status(peer, reply_to) if reply_to else None, **fields}
    peer.serve(f"/users/{peer.name}/statuses/{number}", note)
    return note


async def run_fetch_jobs(services, **limits) -> None:
    job = FetchJob(services.resolver, **limits)
    while await job.run_once():
        pass


async def test_the_parents_of_a_reply_are_fetched_up_to_the_top(services, dora):
    for number in range(1, 7):
        serve_note(dora, number, reply_to=number - 1 if number > 1 else None)

    newest = await services.resolver.post(status(dora, 6))
    await run_fetch_jobs(services)

    chain, post = [], await Post.get(uri=newest.uri)
    while post is not None:
        chain.append(post.uri)
        post = await Post.get_or_none(id=post.in_reply_to_id) if post.in_reply_to_id else None
    assert chain == [status(dora, n) for n in range(6, 0, -1)]
    assert (await FetchTask.get(kind=FetchKind.ANCESTORS, uri=newest.uri)).state == FetchState.DONE


async def test_fetching_parents_stops_at_the_limit(services, dora):
    for number in range(1, 7):
        serve_note(dora, number, reply_to=number - 1 if number > 1 else None)

    await services.resolver.post(status(dora, 6))
    await run_fetch_jobs(services, max_ancestors=2)

    assert sorted(await Post.all().values_list("uri", flat=True)) == [status(dora, n) for n in (4, 5, 6)]


async def test_a_loop_of_replies_ends(services, dora):
    serve_note(dora, 7, reply_to=8)
    serve_note(dora, 8, reply_to=9)
    serve_note(dora, 9, reply_to=7)

    await services.resolver.post(status(dora, 7))
    await run_fetch_jobs(services)

    assert await Post.all().count() == 3
    fetches = [r.target for r in dora.server.received if "/statuses/" in r.target]
    assert sorted(fetches) == [f"/users/dora/statuses/{n}" for n in (7, 8, 9)]


async def test_the_replies_of_an_opened_post_are_fetched_page_by_page_within_the_limit(services, dora):
    serve_note(dora, 1, replies={
        "id": f"{status(dora, 1)}/replies", "type": "Collection",
        "first": {"type": "CollectionPage", "items": [status(dora, 2), status(dora, 3)],
                  "next": f"{status(dora, 1)}/replies?page=2"}})
    dora.serve("/users/dora/statuses/1/replies", {
        "id": f"{status(dora, 1)}/replies?page=2", "type": "CollectionPage", "items": [{"id": status(dora, 4)}]})
    for number in (2, 3, 4):
        serve_note(dora, number, reply_to=1)
    root = await services.resolver.post(status(dora, 1))

    assert await enqueue_fetch(FetchKind.REPLIES, root.uri)
    assert not await enqueue_fetch(FetchKind.REPLIES, root.uri)  # asked once
    await run_fetch_jobs(services)

    replies = await Post.filter(in_reply_to_id=root.pk).values_list("uri", flat=True)
    assert sorted(replies) == [status(dora, n) for n in (2, 3, 4)]


async def test_replies_beyond_the_limit_are_not_fetched(services, dora):
    serve_note(dora, 1, replies={"type": "OrderedCollection", "orderedItems": [status(dora, n) for n in (2, 3, 4)]})
    for number in (2, 3, 4):
        serve_note(dora, number, reply_to=1)
    root = await services.resolver.post(status(dora, 1))

    await enqueue_fetch(FetchKind.REPLIES, root.uri)
    await run_fetch_jobs(services, max_replies=2)

    assert await Post.filter(in_reply_to_id=root.pk).count() == 2


async def test_a_received_reply_to_an_unknown_post_gets_its_thread(services, dora):
    await services.resolver.account(dora.actor_id)
    serve_note(dora, 1)
    reply = serve_note(dora, 2, reply_to=1)
    create = {"id": f"{reply['id']}/activity", "type": "Create", "actor": dora.actor_id, "object": reply,
              "to": [PUBLIC]}

    item = await deliver(create, InboundProcessor(resolver=services.resolver))
    assert item.state == InboundState.DONE
    await run_fetch_jobs(services)

    stored = await Post.get(uri=reply["id"])
    assert stored.in_reply_to_id == (await Post.get(uri=status(dora, 1))).pk


async def test_a_boost_of_an_unseen_post_fetches_it(services, dora):
    await services.resolver.account(dora.actor_id)
    serve_note(dora, 3)
    announce = {"id": f"{dora.actor_id}/activities/boost-3", "type": "Announce", "actor": dora.actor_id,
                "object": status(dora, 3), "to": [PUBLIC]}

    item = await deliver(announce, InboundProcessor(resolver=services.resolver))

    assert item.state == InboundState.DONE, item.last_error
    original = await Post.get(uri=status(dora, 3))
    assert await Post.exists(uri=announce["id"], boost_of=original)


async def test_a_like_of_a_post_that_does_not_exist_is_ignored_with_the_reason(services, dora):
    ada = await our_account("ada")
    await services.resolver.account(dora.actor_id)
    like = {"id": f"{dora.actor_id}/activities/like-9", "type": "Like", "actor": dora.actor_id,
            "object": status(dora, 99)}

    item = await deliver(like, InboundProcessor(resolver=services.resolver))

    assert item.state == InboundState.IGNORED and "404" in item.last_error
    assert not await Favourite.exists(account__uri=dora.actor_id)
    mine = await remote_post(ada, "https://art.example/users/ada/statuses/1")
    assert mine.pk  # our own posts are never fetched: nothing else to check


async def test_a_like_whose_server_is_down_is_tried_again_later(services, dora):
    await services.resolver.account(dora.actor_id)
    from tests.federation.loopback_server import Reply

    dora.serve("/users/dora/statuses/50", Reply(503, body=b"busy"))
    like = {"id": f"{dora.actor_id}/activities/like-50", "type": "Like", "actor": dora.actor_id,
            "object": status(dora, 50)}

    item = await deliver(like, InboundProcessor(resolver=services.resolver))

    assert item.state == InboundState.PENDING and item.attempts == 1 and "503" in item.last_error
    assert json.dumps(item.payload)  # kept as received


async def test_a_create_naming_its_post_by_id_only_fetches_it(services, dora):
    await services.resolver.account(dora.actor_id)
    note = serve_note(dora, 20)
    create = {"id": f"{note['id']}/activity", "type": "Create", "actor": dora.actor_id, "object": note["id"],
              "to": [PUBLIC]}

    item = await deliver(create, InboundProcessor(resolver=services.resolver))

    assert item.state == InboundState.DONE, item.last_error
    assert (await Post.get(uri=note["id"])).content == "<p>note 20</p>"
