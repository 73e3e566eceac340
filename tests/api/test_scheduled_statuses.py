"""Scheduled statuses: kept unpublished until their time, shown, moved and deleted only by
their artist, holding their uploads, then published once through the same door as any
post (the job is run with a later "now" rather than by waiting)."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from mastodon import MastodonAPIError, MastodonNotFoundError

from fediserver.clock import utcnow
from fediserver.models import Account, Activity, Delivery, Follow, FollowState, MediaAttachment, Post, ScheduledStatus
from fediserver.models.queue import claim_due
from fediserver.scheduled_publishing import Outcome, ScheduledStatusPublisher
from outbox.lifecycle import RetrySchedule
from tests.api.conftest import artwork_jpeg, call
from tests.inbox.support import remote_actor


def ahead(**delta: float) -> datetime:
    return utcnow() + timedelta(**delta)


def stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def seconds(value: str) -> int:
    """An API time to whole seconds since the epoch (the API shows milliseconds)."""
    return int(datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp())


async def send(served, artist, method: str, path: str, **options) -> httpx.Response:
    headers = {"Authorization": f"Bearer {artist.token}", **options.pop("headers", {})}
    return await call(httpx.request, method, f"{served.base_url}{path}", headers=headers, **options)


async def upload(artist, tmp_path, name: str = "study.jpg"):
    picture = tmp_path / name
    picture.write_bytes(artwork_jpeg((300, 200)))
    return await call(artist.client.media_post, str(picture), mime_type="image/jpeg", description="an ink study")


async def test_a_scheduled_status_waits_unseen_then_is_published_once_and_federates(served, make_artist, tmp_path):
    ada, bea = await make_artist("ada"), await make_artist("bea")
    await call(bea.client.account_follow, ada.account.pk)
    fan = await remote_actor("https://far.example/users/fan")
    await Follow.create(follower=fan, target=ada.account, state=FollowState.ACCEPTED)
    media = await upload(ada, tmp_path)
    when = ahead(hours=2)

    answer = await send(served, ada, "POST", "/api/v1/statuses", data={
        "status": "Harbour at dawn #ink", "media_ids[]": [media.id], "visibility": "unlisted",
        "spoiler_text": "big file", "language": "en", "scheduled_at": stamp(when)})
    assert answer.status_code == 200, answer.text
    scheduled = answer.json()
    assert set(scheduled) == {"id", "scheduled_at", "params", "media_attachments"}
    assert seconds(scheduled["scheduled_at"]) == int(when.timestamp())
    assert scheduled["params"] | {"application_id": None} == {
        "text": "Harbour at dawn #ink", "poll": None, "media_ids": [media.id], "sensitive": False,
        "spoiler_text": "big file", "visibility": "unlisted", "in_reply_to_id": None, "language": "en",
        "application_id": None, "quoted_status_id": None, "quote_approval_policy": None, "scheduled_at": None,
        "idempotency": None, "with_rate_limit": False}
    assert [(m["id"], m["description"]) for m in scheduled["media_attachments"]] == [(media.id, "an ink study")]

    # Nothing is published before its time: no post, nothing queued, nothing in any list.
    assert await Post.filter(account=ada.account).count() == 0
    assert not await Activity.filter(type="Create").exists()
    assert await call(bea.client.timeline_home) == []
    assert await call(ada.client.account_statuses, ada.account.pk) == []
    assert (await call(bea.client.account, ada.account.pk)).statuses_count == 0
    assert await call(ada.client.timeline_public) == []

    publisher = ScheduledStatusPublisher(served.services)
    assert await publisher.run_once(now=when - timedelta(seconds=1)) == 0  # not due yet
    assert await Post.filter(account=ada.account).count() == 0
    assert await publisher.run_once(now=when + timedelta(seconds=1)) == 1
    assert await publisher.run_once(now=when + timedelta(minutes=30)) == 0

    [post] = await Post.filter(account=ada.account)
    status = await call(bea.client.status, post.pk)
    assert status.content.startswith("<p>Harbour at dawn") and status.visibility == "unlisted"
    assert status.spoiler_text == "big file" and status.sensitive is True and status.language == "en"
    assert [m.id for m in status.media_attachments] == [media.id]
    assert [s.id for s in await call(bea.client.timeline_home)] == [status.id]
    assert not await ScheduledStatus.exists()
    assert (await MediaAttachment.get(id=int(media.id))).scheduled_status_id is None
    create = await Activity.get(type="Create", object_uri=post.uri)
    assert [d.inbox_url for d in await Delivery.filter(activity=create)] == [fan.shared_inbox_url]
    assert create.payload["object"]["attachment"][0]["name"] == "an ink study"
    missing = await send(served, ada, "GET", f"/api/v1/scheduled_statuses/{scheduled['id']}")
    assert missing.status_code == 404


async def test_mastodon_py_schedules_lists_moves_and_deletes(served, make_artist, tmp_path):
    ada = await make_artist("ada")
    media = await upload(ada, tmp_path)
    when = ahead(days=1).replace(microsecond=0)

    scheduled = await call(ada.client.status_post, "Kiln opening, tomorrow", media_ids=[media], scheduled_at=when,
                           visibility="private")
    assert scheduled.scheduled_at == when
    assert scheduled.params.text == "Kiln opening, tomorrow" and scheduled.params.visibility == "private"
    assert [m["id"] for m in scheduled.media_attachments] == [media.id]
    polled = await call(ada.client.status_post, "Which glaze?", scheduled_at=when + timedelta(hours=1),
                        poll=ada.client.make_poll(["celadon", "tenmoku"], expires_in=3600))
    assert polled.params.poll.options == ["celadon", "tenmoku"] and polled.params.poll.expires_in == 3600

    assert [s.id for s in await call(ada.client.scheduled_statuses)] == [polled.id, scheduled.id]
    assert (await call(ada.client.scheduled_status, scheduled.id)).params.text == "Kiln opening, tomorrow"

    moved = await call(ada.client.scheduled_status_update, scheduled.id, when + timedelta(days=2))
    assert moved.scheduled_at == when + timedelta(days=2) and moved.params.text == "Kiln opening, tomorrow"
    assert (await call(ada.client.scheduled_status, scheduled.id)).scheduled_at == when + timedelta(days=2)
    with pytest.raises(MastodonAPIError, match="at least 5 minutes"):
        await call(ada.client.scheduled_status_update, scheduled.id, ahead(minutes=1))

    await call(ada.client.scheduled_status_delete, scheduled.id)
    with pytest.raises(MastodonNotFoundError):
        await call(ada.client.scheduled_status, scheduled.id)
    assert [s.id for s in await call(ada.client.scheduled_statuses)] == [polled.id]
    # Its upload is free again.
    posted = await call(ada.client.status_post, "Kiln opened after all", media_ids=[media])
    assert [m.id for m in posted.media_attachments] == [media.id]

    publisher = ScheduledStatusPublisher(served.services)
    assert await publisher.run_once(now=when + timedelta(hours=2)) == 1
    [question] = await Post.filter(object_type="Question")
    asked = await call(ada.client.status, question.pk)
    assert [o.title for o in asked.poll.options] == ["celadon", "tenmoku"]
    assert await call(ada.client.scheduled_statuses) == []


async def test_times_too_soon_unreadable_or_past(served, make_artist):
    ada = await make_artist("ada")
    for value, complaint in [
        (stamp(ahead(minutes=2)), "at least 5 minutes in the future"),
        ("next tuesday", "not an ISO 8601 date and time"),
        ("2026-13-40T25:00:00Z", "not an ISO 8601 date and time"),
        ("9999-12-31T23:59:59Z", "too far in the future"),
    ]:
        refused = await send(served, ada, "POST", "/api/v1/statuses", json={"status": "soon", "scheduled_at": value})
        assert refused.status_code == 422 and complaint in refused.json()["error"], (value, refused.text)
    assert not await ScheduledStatus.exists() and not await Post.exists()

    # A time without an offset is UTC; a time with one is converted.
    plain = ahead(hours=3).replace(tzinfo=None, microsecond=0)
    answer = await send(served, ada, "POST", "/api/v1/statuses",
                        json={"status": "later", "scheduled_at": plain.isoformat()})
    assert seconds(answer.json()["scheduled_at"]) == int(plain.replace(tzinfo=UTC).timestamp())
    answer = await send(served, ada, "POST", "/api/v1/statuses",
                        json={"status": "later", "scheduled_at": "2100-01-01T12:00:00+02:00"})
    assert answer.json()["scheduled_at"] == "2100-01-01T10:00:00.000Z"

    # A time already passed publishes at once, as Mastodon does.
    now_then = await send(served, ada, "POST", "/api/v1/statuses",
                          json={"status": "right away", "scheduled_at": stamp(ahead(minutes=-1))})
    assert now_then.status_code == 200 and "right away" in now_then.json()["content"]
    assert await ScheduledStatus.filter(account=ada.account).count() == 2

    # The status itself is checked when it is scheduled, not only when it is published.
    empty = await send(served, ada, "POST", "/api/v1/statuses", json={"status": " ", "scheduled_at": stamp(ahead(hours=1))})
    assert empty.status_code == 422 and "needs text or media" in empty.json()["error"]
    reply = await send(served, ada, "POST", "/api/v1/statuses",
                       json={"status": "re", "in_reply_to_id": "987654", "scheduled_at": stamp(ahead(hours=1))})
    assert reply.status_code == 404

    row = await ScheduledStatus.filter(account=ada.account).first()
    for body, complaint in [({"scheduled_at": stamp(ahead(minutes=-10))}, "at least 5 minutes"),
                            ({"scheduled_at": "soon"}, "ISO 8601"), ({}, "scheduled_at is required")]:
        refused = await send(served, ada, "PUT", f"/api/v1/scheduled_statuses/{row.pk}", json=body)
        assert refused.status_code == 422 and complaint in refused.json()["error"]
    assert (await ScheduledStatus.get(id=row.pk)).scheduled_at == row.scheduled_at


async def test_only_the_artist_sees_moves_or_deletes_hers(served, make_artist):
    ada, bea = await make_artist("ada"), await make_artist("bea")
    mine = (await send(served, ada, "POST", "/api/v1/statuses",
                       data={"status": "mine", "scheduled_at": stamp(ahead(hours=1))})).json()
    path = f"/api/v1/scheduled_statuses/{mine['id']}"
    assert (await send(served, bea, "GET", path)).status_code == 404
    assert (await send(served, bea, "PUT", path, json={"scheduled_at": stamp(ahead(hours=5))})).status_code == 404
    assert (await send(served, bea, "DELETE", path)).status_code == 404
    assert (await send(served, bea, "GET", "/api/v1/scheduled_statuses")).json() == []
    assert (await send(served, ada, "GET", path)).json()["scheduled_at"] == mine["scheduled_at"]
    assert (await send(served, ada, "GET", "/api/v1/scheduled_statuses/nonsense")).status_code == 404
    anonymous = await call(httpx.get, f"{served.base_url}/api/v1/scheduled_statuses")
    assert anonymous.status_code == 401


async def test_the_list_is_paged_with_link_headers(served, make_artist):
    ada = await make_artist("ada")
    ids = [(await send(served, ada, "POST", "/api/v1/statuses",
                       data={"status": f"note {n}", "scheduled_at": stamp(ahead(hours=n + 1))})).json()["id"]
           for n in range(3)]
    first = await send(served, ada, "GET", "/api/v1/scheduled_statuses", params={"limit": 2})
    assert [s["id"] for s in first.json()] == [ids[2], ids[1]]
    following = first.links["next"]["url"]
    assert following.startswith(served.base_url)
    second = await send(served, ada, "GET", following.removeprefix(served.base_url))
    assert [s["id"] for s in second.json()] == [ids[0]]
    newer = await send(served, ada, "GET", second.links["prev"]["url"].removeprefix(served.base_url))
    assert [s["id"] for s in newer.json()] == [ids[2], ids[1]]


async def test_uploads_are_held_by_their_scheduled_status(served, make_artist, tmp_path):
    ada = await make_artist("ada")
    media, other = await upload(ada, tmp_path, "a.jpg"), await upload(ada, tmp_path, "b.jpg")
    scheduled = (await send(served, ada, "POST", "/api/v1/statuses", data={
        "status": "with a picture", "media_ids[]": [media.id], "scheduled_at": stamp(ahead(hours=1))})).json()
    assert (await MediaAttachment.get(id=int(media.id))).scheduled_status_id == int(scheduled["id"])

    now_post = await send(served, ada, "POST", "/api/v1/statuses", data={"status": "x", "media_ids[]": [media.id]})
    assert now_post.status_code == 422 and "not an unused upload" in now_post.json()["error"]
    later_post = await send(served, ada, "POST", "/api/v1/statuses", data={
        "status": "x", "media_ids[]": [other.id, media.id], "scheduled_at": stamp(ahead(hours=2))})
    assert later_post.status_code == 422
    assert (await MediaAttachment.get(id=int(other.id))).scheduled_status_id is None  # nothing half-held
    words = await call(ada.client.status_post, "words first")
    edit = await send(served, ada, "PUT", f"/api/v1/statuses/{words.id}",
                      data={"status": "words and a picture", "media_ids[]": [media.id]})
    assert edit.status_code == 422
    assert await ScheduledStatus.filter(account=ada.account).count() == 1

    deleted = await send(served, ada, "DELETE", f"/api/v1/scheduled_statuses/{scheduled['id']}")
    assert deleted.status_code == 200 and deleted.json() == {}
    assert (await MediaAttachment.get(id=int(media.id))).scheduled_status_id is None
    assert (await send(served, ada, "DELETE", f"/api/v1/scheduled_statuses/{scheduled['id']}")).status_code == 404
    edited = await send(served, ada, "PUT", f"/api/v1/statuses/{words.id}",
                        data={"status": "words and a picture", "media_ids[]": [media.id]})
    assert edited.status_code == 200 and [m["id"] for m in edited.json()["media_attachments"]] == [media.id]


async def test_limits_per_day_and_in_all(served, make_artist):
    ada = await make_artist("ada")
    day = (utcnow() + timedelta(days=3)).replace(hour=0, minute=0, second=0, microsecond=0)
    for n in range(25):
        await ScheduledStatus.create(account=ada.account, scheduled_at=day + timedelta(minutes=n), params={"text": "x"})
    refused = await send(served, ada, "POST", "/api/v1/statuses",
                         data={"status": "one too many", "scheduled_at": stamp(day + timedelta(hours=23))})
    assert refused.status_code == 422 and "limit of 25" in refused.json()["error"]
    next_day = await send(served, ada, "POST", "/api/v1/statuses",
                          data={"status": "the day after", "scheduled_at": stamp(day + timedelta(days=1))})
    assert next_day.status_code == 200
    moved = await send(served, ada, "PUT", f"/api/v1/scheduled_statuses/{next_day.json()['id']}",
                       json={"scheduled_at": stamp(day + timedelta(hours=12))})
    assert moved.status_code == 422 and "limit of 25" in moved.json()["error"]
    same_day = await ScheduledStatus.filter(account=ada.account).order_by("id").first()
    stays = await send(served, ada, "PUT", f"/api/v1/scheduled_statuses/{same_day.pk}",
                       json={"scheduled_at": stamp(day + timedelta(hours=20))})
    assert stays.status_code == 200  # moving within its own day is no new one

    await ScheduledStatus.bulk_create([
        ScheduledStatus(account=ada.account, scheduled_at=day + timedelta(days=10 + n // 20, minutes=n), params={})
        for n in range(300 - 26)])
    refused = await send(served, ada, "POST", "/api/v1/statuses",
                         data={"status": "over", "scheduled_at": stamp(day + timedelta(days=200))})
    assert refused.status_code == 422 and "limit of 300" in refused.json()["error"]
    assert await ScheduledStatus.filter(account=ada.account).count() == 300


async def test_an_idempotency_key_answers_the_same_scheduled_status(served, make_artist):
    ada = await make_artist("ada")
    body = {"status": "once", "scheduled_at": stamp(ahead(hours=1))}
    first = await send(served, ada, "POST", "/api/v1/statuses", data=body, headers={"Idempotency-Key": "k1"})
    again = await send(served, ada, "POST", "/api/v1/statuses", data=body, headers={"Idempotency-Key": "k1"})
    assert first.status_code == again.status_code == 200
    assert again.json() == first.json()
    assert await ScheduledStatus.filter(account=ada.account).count() == 1
    await send(served, ada, "DELETE", f"/api/v1/scheduled_statuses/{first.json()['id']}")
    after = await send(served, ada, "POST", "/api/v1/statuses", data=body, headers={"Idempotency-Key": "k1"})
    assert after.json()["id"] != first.json()["id"]  # what it answered is gone: a new one


async def test_what_can_no_longer_be_posted_is_dropped_and_logged(served, make_artist, tmp_path, caplog):
    ada, bea = await make_artist("ada"), await make_artist("bea")
    parent = await call(bea.client.status_post, "a question for ada")
    media = await upload(ada, tmp_path)
    when = ahead(hours=1)
    reply = (await send(served, ada, "POST", "/api/v1/statuses", data={
        "status": "an answer", "in_reply_to_id": parent.id, "media_ids[]": [media.id],
        "scheduled_at": stamp(when)})).json()
    await call(bea.client.status_delete, parent.id)

    publisher = ScheduledStatusPublisher(served.services)
    with caplog.at_level(logging.WARNING, logger="fediserver.scheduled_publishing"):
        assert await publisher.run_once(now=when + timedelta(minutes=1)) == 1
    assert not await Post.filter(account=ada.account).exists()
    assert not await ScheduledStatus.exists()
    assert (await MediaAttachment.get(id=int(media.id))).scheduled_status_id is None
    assert any(f"scheduled status {reply['id']}" in r.getMessage() and "dropped" in r.getMessage()
               for r in caplog.records)

    await send(served, ada, "POST", "/api/v1/statuses", data={"status": "later", "scheduled_at": stamp(when)})
    await Account.filter(id=ada.account.pk).update(suspended=True, suspended_at=utcnow())
    assert await publisher.run_once(now=when + timedelta(minutes=1)) == 1
    assert not await ScheduledStatus.exists() and not await Post.filter(account=ada.account).exists()


async def test_a_failure_that_may_pass_is_tried_again_later(served, make_artist):
    ada = await make_artist("ada")
    when = ahead(hours=1)
    await send(served, ada, "POST", "/api/v1/statuses", data={"status": "retry me", "scheduled_at": stamp(when)})
    await ScheduledStatus.all().update(params={"text": "retry me"})  # unreadable: no visibility stored
    publisher = ScheduledStatusPublisher(served.services, schedule=RetrySchedule(first_retry_seconds=60, max_attempts=2,
                                                                                 jitter=0))
    assert await publisher.run_once(now=when) == 1
    row = await ScheduledStatus.get()
    assert row.attempts == 1 and row.claimed_until == when + timedelta(seconds=60)
    assert await publisher.run_once(now=when + timedelta(seconds=30)) == 0  # waiting
    assert await publisher.run_once(now=when + timedelta(seconds=61)) == 1  # the last try: dropped
    assert not await ScheduledStatus.exists() and not await Post.exists()


async def test_two_workers_publish_a_status_once(served, make_artist):
    ada = await make_artist("ada")
    when = ahead(hours=1)
    for text in ("first", "second"):
        await send(served, ada, "POST", "/api/v1/statuses", data={"status": text, "scheduled_at": stamp(when)})
    due = when + timedelta(seconds=1)
    one, two = ScheduledStatusPublisher(served.services), ScheduledStatusPublisher(served.services)
    claimed = await asyncio.gather(one.run_once(now=due), two.run_once(now=due))
    assert sum(claimed) == 2
    assert sorted(p.source_text for p in await Post.filter(account=ada.account)) == ["first", "second"]

    # A worker whose lease ran out while it was still at work, and the one that took the row
    # over, both publishing it: the post is stored once.
    await send(served, ada, "POST", "/api/v1/statuses", data={"status": "third", "scheduled_at": stamp(when)})
    [held] = await claim_due(ScheduledStatus, due_field="scheduled_at", batch=5, lease_seconds=1, now=due)
    [taken_over] = await claim_due(ScheduledStatus, due_field="scheduled_at", batch=5, lease_seconds=60,
                                   now=due + timedelta(seconds=2))
    outcomes = await asyncio.gather(one.publish(held, due), two.publish(taken_over, due))
    assert sorted(outcomes) == sorted([Outcome.PUBLISHED, Outcome.GONE])
    assert await Post.filter(account=ada.account, source_text="third").count() == 1
    assert not await ScheduledStatus.exists()
