"""Polls across servers: a remote Question stored with its poll and refreshed by its
Updates, our votes on it sent as named Notes, and remote votes on our polls counted once."""

from __future__ import annotations

from datetime import timedelta

from fediserver.clock import utcnow
from fediserver.app import create_app
from fediserver.local_accounts import create_api_token
from fediserver.models import (
    Activity, Delivery, FetchKind, FetchState, FetchTask, InboundState, Notification, Poll, PollVote, Post, PostEdit,
)
from fediserver.models.interactions import NotificationKind
from fediserver.poll_endings import PollEndings
from inbox.polls import refresh_remote_poll
from outbox import polls, statuses
from tests.conftest import make_settings
from tests.inbox.support import PUBLIC, deliver, our_account, remote_actor
from tests.inbox.test_posts import BOB, create, update
from tests.inbox.test_threads import run_fetch_jobs
from tests.remote_peer import RemotePeer

QUESTION = {
    "id": f"{BOB}/statuses/7",
    "type": "Question",
    "attributedTo": BOB,
    "content": "<p>Best paper?</p>",
    "to": [PUBLIC],
    "cc": [f"{BOB}/followers"],
    "published": "2026-11-20T10:00:00Z",
    "endTime": "2099-01-01T00:00:00Z",
    "votersCount": 3,
    "oneOf": [
        {"type": "Note", "name": "cotton", "replies": {"type": "Collection", "totalItems": 2}},
        {"type": "Note", "name": "wood pulp", "replies": {"type": "Collection", "totalItems": 1}},
    ],
}


async def test_a_remote_question_is_a_poll_we_vote_on_and_its_updates_refresh_it(db):
    ada = await our_account("ada")
    bob = await remote_actor(BOB)
    assert (await deliver(create(QUESTION))).state == InboundState.DONE
    post = await Post.get(uri=QUESTION["id"])
    poll = await Poll.get(post=post)
    assert (poll.options, poll.votes, poll.voters_count, poll.multiple) == (["cotton", "wood pulp"], [2, 1], 3, False)

    await polls.vote(ada, poll, [1])
    delivery = await Delivery.get(inbox_url=bob.inbox_url).select_related("activity")
    vote = delivery.activity.payload["object"]
    assert (vote["type"], vote["name"], vote["inReplyTo"], vote["to"]) == ("Note", "wood pulp", post.uri, [BOB])
    assert (await Poll.get(pk=poll.pk)).votes == [2, 2]

    counted = {**QUESTION, "votersCount": 5, "oneOf": [
        {"type": "Note", "name": "cotton", "replies": {"type": "Collection", "totalItems": 3}},
        {"type": "Note", "name": "wood pulp", "replies": {"type": "Collection", "totalItems": 2}}]}
    assert (await deliver(update(counted))).state == InboundState.DONE
    poll = await Poll.get(pk=poll.pk)
    assert (poll.votes, poll.voters_count) == ([3, 2], 5)
    assert not await PostEdit.exists() and (await Post.get(pk=post.pk)).edited_at is None  # counts are no edit


async def test_remote_votes_on_our_poll_are_counted_once_while_it_is_open(db):
    ada = await our_account("ada")
    await remote_actor(BOB)
    post = await statuses.post_status(ada, "Which size?", visibility="public",
                                      poll=polls.PollSpec(options=("A4", "A3"), expires_in=600))

    def vote(number: int, name: str, actor: str = BOB) -> dict:
        note = {"id": f"{actor}#votes/{number}", "type": "Note", "name": name, "attributedTo": actor,
                "to": [ada.uri], "inReplyTo": post.uri}
        return {"id": f"{actor}#votes/{number}/activity", "type": "Create", "actor": actor, "to": [ada.uri],
                "object": note}

    assert (await deliver(vote(1, "A3"), to_inbox_of=ada)).state == InboundState.DONE
    poll = await Poll.get(post=post)
    assert (poll.votes, poll.voters_count) == ([0, 1], 1)
    counts = await Activity.get(type="Update", object_uri=post.uri)
    assert [o["replies"]["totalItems"] for o in counts.payload["object"]["oneOf"]] == [0, 1]
    again = await deliver(vote(2, "A4"), to_inbox_of=ada)
    unknown = await deliver(vote(3, "A0"), to_inbox_of=ada)
    assert again.state == unknown.state == InboundState.IGNORED
    assert "already voted" in again.last_error and "not an option" in unknown.last_error
    assert not await Post.filter(uri__contains="#votes").exists()

    await Poll.filter(pk=poll.pk).update(expires_at=utcnow() - timedelta(seconds=1))
    mallory = "https://social.example/users/mallory"
    await remote_actor(mallory)
    late = await deliver(vote(4, "A4", mallory), to_inbox_of=ada)
    assert late.state == InboundState.IGNORED and "ended" in late.last_error
    assert (await Poll.get(pk=poll.pk)).votes == [0, 1] and await PollVote.all().count() == 1


async def test_when_a_remote_poll_ends_the_artists_here_who_voted_are_told(db):
    ada, cy = await our_account("ada"), await our_account("cy")
    bob = await remote_actor(BOB)
    assert (await deliver(create(QUESTION))).state == InboundState.DONE
    poll = await Poll.get(post__uri=QUESTION["id"])
    await polls.vote(ada, poll, [0])
    await Poll.filter(pk=poll.pk).update(expires_at=utcnow() - timedelta(minutes=5))

    assert await PollEndings().run_once() == 1

    [told] = await Notification.filter(kind=NotificationKind.POLL)
    assert (told.account_id, told.from_account_id, told.post_id) == (ada.pk, bob.pk, poll.post_id)
    assert not await Notification.filter(account_id=cy.pk).exists()  # she did not vote


async def test_a_remote_poll_opened_here_is_fetched_again_for_its_counts(db):
    app = create_app(make_settings(db, federation={"allow_private_addresses": True}), manage_database=False,
                     run_jobs=False)
    services = app.config["SERVICES"]
    try:
        async with RemotePeer("dora") as dora:
            uri = f"{dora.actor_id}/statuses/7"
            question = {**QUESTION, "@context": "https://www.w3.org/ns/activitystreams", "id": uri,
                        "attributedTo": dora.actor_id}
            dora.serve("/users/dora/statuses/7", question)
            post = await services.resolver.post(uri)
            poll = await Poll.get(post=post)
            assert poll.votes == [2, 1]
            await our_account("ada")
            token = await create_api_token("ada")
            dora.serve("/users/dora/statuses/7", {**question, "votersCount": 9, "oneOf": [
                {"type": "Note", "name": "cotton", "replies": {"type": "Collection", "totalItems": 5}},
                {"type": "Note", "name": "wood pulp", "replies": {"type": "Collection", "totalItems": 4}}]})
            client = app.test_client()

            assert (await client.get(f"/api/v1/polls/{poll.pk}")).status_code == 200  # anonymous: no fetch
            assert not await FetchTask.exists(kind=FetchKind.POLL)
            seen = await client.get(f"/api/v1/polls/{poll.pk}", headers={"Authorization": f"Bearer {token}"})
            assert [o["votes_count"] for o in (await seen.get_json())["options"]] == [2, 1]  # known counts at once
            await run_fetch_jobs(services)
            assert ((await Poll.get(pk=poll.pk)).votes, (await Poll.get(pk=poll.pk)).voters_count) == ([5, 4], 9)

            # Asked again within the minute: not fetched again. A document naming another
            # author changes nothing.
            await client.get(f"/api/v1/polls/{poll.pk}", headers={"Authorization": f"Bearer {token}"})
            assert not await FetchTask.exists(kind=FetchKind.POLL, state=FetchState.PENDING)
            dora.serve("/users/dora/statuses/7", {**question, "attributedTo": f"{dora.actor_id}x"})
            assert await refresh_remote_poll(services.resolver, uri) is False
            assert (await Poll.get(pk=poll.pk)).votes == [5, 4]
    finally:
        await services.aclose()
