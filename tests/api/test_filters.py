"""Filters as apps drive them: v2 filters with keywords and statuses (Mastodon.py sends
JSON), the v1 view (forms, as Tusky sends them), and what they do to timelines and
notifications: ``warn`` marks a status with ``filtered``, ``hide`` leaves it out, each only
in its contexts and only until it expires."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from mastodon import MastodonAPIError, MastodonNotFoundError

from fediserver.clock import utcnow
from fediserver.models import Filter
from tests.api.conftest import call


async def _ids(statuses) -> list[str]:
    return [s.id for s in statuses]


async def test_warn_and_hide_filters_act_on_timelines_in_their_contexts(served, make_artist):
    ada, bea = await make_artist("ada"), await make_artist("bea")
    await call(ada.client.account_follow, bea.account.pk)
    spoiler = await call(bea.client.status_post, "The finale: everyone was a CAT all along")
    catalog = await call(bea.client.status_post, "new catalogue of prints")  # "cat" only inside a word
    politics = await call(bea.client.status_post, "more election news", spoiler_text="politics")
    mine = await call(ada.client.status_post, "my own election thoughts")

    warn = await call(ada.client.create_filter_v2, "Spoilers", ["home", "public"], "warn",
                      keywords_attributes=[{"keyword": "cat", "whole_word": True}])
    assert [k.keyword for k in warn.keywords] == ["cat"] and warn.filter_action == "warn"
    await call(ada.client.create_filter_v2, "News", ["home"], "hide",
               keywords_attributes=[{"keyword": "election"}])

    home = {s.id: s for s in await call(ada.client.timeline_home)}
    assert politics.id not in home and mine.id in home  # hidden; never one's own posts
    assert home[catalog.id].filtered == []
    [result] = home[spoiler.id].filtered
    assert (result.filter.title, result.keyword_matches) == ("Spoilers", ["cat"])
    public = {s.id: s for s in await call(ada.client.timeline_public)}
    assert politics.id in public  # the hide filter is for home only
    assert public[spoiler.id].filtered[0].filter.id == warn.id
    # Others are not filtered by ada's filters.
    assert all(not s.get("filtered") for s in await call(bea.client.timeline_home))


async def test_filter_crud_keywords_and_statuses(served, make_artist):
    ada, bea = await make_artist("ada"), await make_artist("bea")
    post = await call(bea.client.status_post, "a quiet landscape")
    created = await call(ada.client.create_filter_v2, "Quiet", ["public"], "hide",
                         keywords_attributes=[{"keyword": "loud"}, {"keyword": "noisy", "whole_word": False}])
    assert sorted((k.keyword, k.whole_word) for k in created.keywords) == [("loud", True), ("noisy", False)]
    added = await call(ada.client.add_filter_keyword_v2, created.id, "shouting")
    assert [k.keyword for k in await call(ada.client.filter_keywords_v2, created.id)] == ["loud", "noisy", "shouting"]
    await call(ada.client.delete_filter_keyword_v2, added.id)

    filtered = await call(ada.client.add_filter_status_v2, created.id, post.id)
    assert filtered.status_id == post.id
    assert post.id not in await _ids(await call(ada.client.timeline_public))
    await call(ada.client.delete_filter_status_v2, filtered.id)
    assert post.id in await _ids(await call(ada.client.timeline_public))

    loud = next(k for k in created.keywords if k.keyword == "loud")
    updated = await call(ada.client.update_filter_v2, created.id, title="Calm", context=["home", "thread"],
                         keywords_attributes=[{"id": loud.id, "_destroy": True}, {"keyword": "brass"}])
    assert updated.title == "Calm" and updated.context == ["home", "thread"]
    assert sorted(k.keyword for k in updated.keywords) == ["brass", "noisy"]
    assert [f.id for f in await call(ada.client.filters_v2)] == [created.id]

    async with httpx.AsyncClient(base_url=served.base_url, headers={"Authorization": f"Bearer {ada.token}"}) as http:
        for body in ({"title": "", "context": ["home"]}, {"title": "x", "context": ["kitchen"]},
                     {"title": "x", "context": ["home"], "filter_action": "explode"},
                     {"title": "x", "context": ["home"], "expires_in": "soon"},
                     {"title": "x", "context": ["home"], "expires_in": "inf"},
                     {"title": "x", "context": ["home"], "keywords_attributes": [{"keyword": " "}]}):
            refused = await http.post("/api/v2/filters", json=body)
            assert refused.status_code == 422 and refused.json()["error"].startswith("Validation failed"), body
        assert (await http.get("/api/v2/filters/999999")).status_code == 404
    assert len(await call(ada.client.filters_v2)) == 1  # nothing stored by the refusals

    bea_sees = await call(bea.client.filters_v2)
    assert bea_sees == []
    with pytest.raises(MastodonNotFoundError):
        await call(bea.client.filter_v2, created.id)
    await call(ada.client.delete_filter_v2, created.id)
    assert await call(ada.client.filters_v2) == []


async def test_the_v1_view_as_tusky_uses_it(served, make_artist):
    ada, bea = await make_artist("ada"), await make_artist("bea")
    await call(ada.client.account_follow, bea.account.pk)
    post = await call(bea.client.status_post, "Sale on all PRINTS this week")
    old = await call(ada.client.filter_create, "prints", ["home", "notifications"], irreversible=False,
                     whole_word=True)
    assert (old.phrase, old.context, old.irreversible, old.whole_word) == ("prints", ["home", "notifications"], False, True)
    assert [f.title for f in await call(ada.client.filters_v2)] == ["prints"]
    assert (await call(ada.client.timeline_home))[0].filtered[0].keyword_matches == ["prints"]

    async with httpx.AsyncClient(base_url=served.base_url, headers={"Authorization": f"Bearer {ada.token}"}) as http:
        changed = await http.put(f"/api/v1/filters/{old.id}", data={"phrase": "sale", "irreversible": "true",
                                                                    "context[]": ["home"]})
        assert changed.json()["irreversible"] is True and changed.json()["phrase"] == "sale"
        assert (await http.post("/api/v1/filters", data={"phrase": "x"})).status_code == 422
    assert post.id not in await _ids(await call(ada.client.timeline_home))
    assert [f.phrase for f in await call(ada.client.filters)] == ["sale"]
    await call(ada.client.filter_delete, old.id)
    assert await call(ada.client.filters) == [] and await call(ada.client.filters_v2) == []


async def test_filters_reach_notifications_and_threads_and_expire(served, make_artist):
    ada, bea = await make_artist("ada"), await make_artist("bea")
    root = await call(ada.client.status_post, "critique welcome")
    harsh = await call(bea.client.status_post, "@ada this is awful", in_reply_to_id=root.id)
    kind = await call(bea.client.status_post, "@ada lovely work", in_reply_to_id=root.id)
    hide = await call(ada.client.create_filter_v2, "Harsh", ["notifications", "thread"], "hide",
                      keywords_attributes=[{"keyword": "awful"}])
    assert [n.status.id for n in await call(ada.client.notifications, types=["mention"])] == [kind.id]
    assert await _ids((await call(ada.client.status_context, root.id)).descendants) == [kind.id]
    # Opened by itself, the hidden reply is there, marked with the hiding filter (the app
    # shows it folded); the kind one is marked with nothing.
    opened = await call(ada.client.status, harsh.id)
    assert [(r.filter.title, r.filter.filter_action, r.keyword_matches) for r in opened.filtered] == [
        ("Harsh", "hide", ["awful"])]
    assert (await call(ada.client.status, kind.id)).filtered == []
    assert (await call(bea.client.status, harsh.id)).filtered == []  # her own post: never filtered

    await Filter.filter(id=int(hide.id)).update(expires_at=utcnow() - timedelta(minutes=1))
    assert [n.status.id for n in await call(ada.client.notifications, types=["mention"])] == [kind.id, harsh.id]
    assert await _ids((await call(ada.client.status_context, root.id)).descendants) == [harsh.id, kind.id]
    expiring = await call(ada.client.create_filter_v2, "Soon", ["home"], "warn", expires_in=3600)
    assert expiring.expires_at is not None
    with pytest.raises(MastodonAPIError):
        await call(ada.client.create_filter_v2, "Never", ["home"], "warn", expires_in=-5)


async def test_a_filtered_home_page_costs_the_same_few_queries_whatever_its_size(client, db):
    from fediserver.local_accounts import create_api_token, create_local_account
    from fediserver.models import AccountList, FilterKeyword, Follow, FollowedTag, ListMember, Mute, Post
    from fediserver.urls import InstanceUrls
    from tests.web.query_counter import counted_queries

    urls = InstanceUrls("https://art.example")
    reader = await create_local_account(urls, "reader")
    artists = [await create_local_account(urls, f"artist{i}") for i in range(4)]
    for artist in artists[:3]:
        await Follow.create(follower=reader, target=artist, state="accepted")
    for n in range(120):
        await Post.create(uri=f"{artists[n % 4].uri}/statuses/{n}", account=artists[n % 4], local=True,
                          content=f"<p>work {n} #ink</p>", published_at=utcnow(),
                          tags=[{"type": "Hashtag", "name": "#ink", "href": "https://art.example/tags/ink"}])
    await FollowedTag.create(account=reader, name="ink")
    quiet = await AccountList.create(account=reader, title="Quiet", exclusive=True)
    await ListMember.create(list=quiet, account=artists[2])
    await Mute.create(account=reader, target=artists[1])
    warn = await Filter.create(account=reader, title="Fives", context=["home"], action="warn")
    await FilterKeyword.create(parent_filter=warn, keyword="5")
    token = await create_api_token("reader")

    counts = {}
    await client.get("/api/v1/timelines/home?limit=1", headers={"Authorization": f"Bearer {token}"})  # token cached
    for limit in (20, 40):
        with counted_queries() as queries:
            answer = await client.get(f"/api/v1/timelines/home?limit={limit}",
                                      headers={"Authorization": f"Bearer {token}"})
        page = await answer.get_json()
        assert answer.status_code == 200 and len(page) == limit
        assert {s["account"]["acct"] for s in page} <= {"artist0", "artist3"}  # muted and set-apart left out
        counts[limit] = len(queries)
    assert counts[20] == counts[40] <= 20
