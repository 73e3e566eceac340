"""Polls from a client: made with a status, federated as a Question, voted on once
while open; the refusals."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from mastodon import MastodonAPIError, MastodonNotFoundError

from fediserver.clock import utcnow
from fediserver.models import Activity, Poll
from fediserver.poll_endings import PollEndings
from tests.api.conftest import artwork_jpeg, call


async def test_an_artist_asks_and_others_vote_once(served, make_artist):
    ada, bea, cid = await make_artist("ada"), await make_artist("bea"), await make_artist("cid")
    asked = await call(ada.client.status_post, "Next medium?",
                       poll=ada.client.make_poll(["ink", "charcoal", "pastel"], expires_in=3600))
    assert [o.title for o in asked.poll.options] == ["ink", "charcoal", "pastel"]
    assert (asked.poll.multiple, asked.poll.expired, asked.poll.voted, asked.poll.votes_count) == (False, False, False, 0)

    create = await Activity.get(type="Create", object_uri=asked.uri)
    question = create.payload["object"]
    assert question["type"] == "Question" and question["endTime"] and question["votersCount"] == 0
    assert [(o["name"], o["replies"]["totalItems"]) for o in question["oneOf"]] == [
        ("ink", 0), ("charcoal", 0), ("pastel", 0)]

    voted = await call(bea.client.poll_vote, asked.poll.id, [1])
    assert (voted.voted, voted.own_votes, voted.votes_count, voted.voters_count) == (True, [1], 1, 1)
    counts = await Activity.get(type="Update", object_uri=asked.uri)  # the new counts go out
    assert [o["replies"]["totalItems"] for o in counts.payload["object"]["oneOf"]] == [0, 1, 0]
    with pytest.raises(MastodonAPIError, match="already voted"):
        await call(bea.client.poll_vote, asked.poll.id, [2])
    with pytest.raises(MastodonAPIError, match="one answer"):
        await call(cid.client.poll_vote, asked.poll.id, [0, 2])
    with pytest.raises(MastodonAPIError, match="option numbers"):
        await call(cid.client.poll_vote, asked.poll.id, [7])
    await call(cid.client.poll_vote, asked.poll.id, [1])
    assert await Activity.filter(type="Update", object_uri=asked.uri).count() == 1  # not again within minutes
    seen = await call(ada.client.poll, asked.poll.id)
    assert [o.votes_count for o in seen.options] == [0, 2, 0] and seen.voted is False
    assert (await call(cid.client.status, asked.id)).poll.own_votes == [1]

    await Poll.filter(id=int(asked.poll.id)).update(expires_at=utcnow() - timedelta(minutes=1))
    ended = await call(ada.client.poll, asked.poll.id)
    assert ended.expired is True
    with pytest.raises(MastodonAPIError, match="ended") as refused:
        await call(ada.client.poll_vote, asked.poll.id, [0])
    assert refused.value.args[1] == 422
    assert [o.votes_count for o in (await call(ada.client.poll, asked.poll.id)).options] == [0, 2, 0]
    ended_question = (await call(httpx.get, asked.uri, headers={"Accept": "application/activity+json"})).json()
    assert ended_question["type"] == "Question" and ended_question["closed"]


async def test_polls_sent_as_form_fields_hidden_totals_and_bad_polls(served, make_artist, tmp_path):
    ada, bea = await make_artist("ada"), await make_artist("bea")
    headers = {"Authorization": f"Bearer {ada.token}"}
    url = f"{served.base_url}/api/v1/statuses"
    answer = await call(httpx.post, url, headers=headers, data={
        "status": "Which colours?", "poll[options][]": ["red", "ochre", "umber"], "poll[expires_in]": "600",
        "poll[multiple]": "true", "poll[hide_totals]": "true"})
    assert answer.status_code == 200, answer.text
    poll = answer.json()["poll"]
    assert poll["multiple"] is True and [o["title"] for o in poll["options"]] == ["red", "ochre", "umber"]
    assert (await Activity.get(type="Create", object_uri=answer.json()["uri"])).payload["object"]["anyOf"]

    voted = await call(bea.client.poll_vote, poll["id"], [0, 2])
    assert voted.own_votes == [0, 2] and voted.votes_count is None  # hidden until it ends
    assert [o.votes_count for o in (await call(ada.client.poll, poll["id"])).options] == [1, 0, 1]

    picture = tmp_path / "p.jpg"
    picture.write_bytes(artwork_jpeg((300, 200)))
    media = await call(ada.client.media_post, str(picture), mime_type="image/jpeg")
    for body, complaint in [
        ({"status": "x", "poll": {"options": ["only one"], "expires_in": 600}}, "2 to 4 options"),
        ({"status": "x", "poll": {"options": ["a", "b"], "expires_in": 5}}, "expires_in"),
        ({"status": "x", "poll": {"options": ["a", "b"], "expires_in": "soon"}}, "expires_in"),
        ({"status": "x", "poll": {"options": ["a", "A"], "expires_in": 600}}, "differ"),
        ({"status": "x", "poll": {"options": ["a", "b"], "expires_in": 600}, "media_ids": [media.id]}, "not both"),
    ]:
        refused = await call(httpx.post, url, headers=headers, json=body)
        assert refused.status_code == 422 and complaint in refused.json()["error"], refused.text
    assert await Poll.all().count() == 1
    hidden = await call(ada.client.status_post, "secret poll", visibility="direct",
                        poll=ada.client.make_poll(["a", "b"], expires_in=600))
    with pytest.raises(MastodonNotFoundError):
        await call(bea.client.poll, hidden.poll.id)
    with pytest.raises(MastodonNotFoundError):
        await call(bea.client.poll_vote, hidden.poll.id, [0])

    edited = await call(ada.client.status_update, hidden.id, "secret poll, new options",
                        poll=ada.client.make_poll(["c", "d", "e"], expires_in=900))
    assert [o.title for o in edited.poll.options] == ["c", "d", "e"]
    history = await call(ada.client.status_history, hidden.id)
    assert [[o.title for o in v.poll.options] for v in history] == [["a", "b"], ["c", "d", "e"]]


async def test_when_a_poll_ends_its_author_and_voters_are_told_once(served, make_artist):
    ada, bea, cid, dee = [await make_artist(name) for name in ("ada", "bea", "cid", "dee")]
    asked = await call(ada.client.status_post, "Next medium?",
                       poll=ada.client.make_poll(["ink", "charcoal"], expires_in=3600))
    await call(bea.client.poll_vote, asked.poll.id, [0])
    await call(cid.client.poll_vote, asked.poll.id, [1])
    await call(cid.client.account_mute, ada.account.pk)  # muted with notifications: cid is not told
    endings = PollEndings()
    assert await endings.run_once() == 0  # still open: nothing

    await Poll.filter(id=int(asked.poll.id)).update(expires_at=utcnow() - timedelta(minutes=1))
    assert await endings.run_once() == 1
    assert await endings.run_once() == 0  # announced once
    for artist in (ada, bea):
        [told] = await call(artist.client.notifications, types=["poll"])
        assert (told.account.acct, told.status.id, told.status.poll.expired) == ("ada", asked.id, True)
    assert await call(cid.client.notifications) == [] and await call(dee.client.notifications) == []

    # A poll that ended long before anyone could be told is marked, not announced.
    old = await call(ada.client.status_post, "Old question", poll=ada.client.make_poll(["a", "b"], expires_in=3600))
    await call(bea.client.poll_vote, old.poll.id, [0])
    await Poll.filter(id=int(old.poll.id)).update(expires_at=utcnow() - timedelta(days=3))
    assert await endings.run_once() == 1 and await endings.run_once() == 0
    assert len(await call(bea.client.notifications, types=["poll"])) == 1
