"""A page of statuses costs the same number of queries whatever its length, with polls,
bookmarks and a muted conversation among them."""

from __future__ import annotations

from fediserver.app import create_app
from fediserver.local_accounts import create_api_token, create_local_account
from fediserver.models import Bookmark, ConversationMute
from fediserver.urls import InstanceUrls
from outbox import polls, relations, statuses
from tests.conftest import make_settings
from tests.web.query_counter import counted_queries


async def test_home_timeline_queries_do_not_grow_with_the_page(db, tmp_path):
    app = create_app(make_settings(db, instance={"domain": "art.example", "scheme": "http", "allow_http": True,
                                                 "data_dir": str(tmp_path / "data")}),
                     manage_database=False, run_jobs=False)
    urls = InstanceUrls("http://art.example")
    ada, bea = await create_local_account(urls, "ada"), await create_local_account(urls, "bea")
    await relations.follow(bea, ada)
    posts = []
    for n in range(24):
        poll = polls.PollSpec(options=("yes", "no"), expires_in=600) if n % 2 else None
        posts.append(await statuses.post_status(ada, f"Study {n}", visibility="public", poll=poll,
                                                in_reply_to=posts[-1] if n % 3 == 2 else None))
        await Bookmark.create(account=bea, post=posts[-1])
    await ConversationMute.create(account=bea, root=posts[19])  # posts[20] answers it
    await polls.vote(bea, await posts[1].poll, [0])
    client = app.test_client()
    headers = {"Authorization": f"Bearer {await create_api_token('bea')}"}

    await client.get("/api/v1/timelines/home", headers=headers)  # the token is read once, then cached
    counts = {}
    for limit in (5, 20):
        for path in ("/api/v1/timelines/home", "/api/v1/bookmarks"):
            with counted_queries() as seen:
                response = await client.get(path, query_string={"limit": limit}, headers=headers)
            page = await response.get_json()
            assert response.status_code == 200 and len(page) == limit
            assert any(s["poll"] for s in page) and all(s["bookmarked"] for s in page)
            counts[path, limit] = len(seen)
    muted = {s["id"]: s["muted"] for s in page}
    assert [muted[str(posts[n].pk)] for n in (18, 19, 20, 21)] == [False, True, True, False]
    for path in ("/api/v1/timelines/home", "/api/v1/bookmarks"):
        assert counts[path, 5] == counts[path, 20] <= 20, counts


async def test_a_page_counts_everyones_marks_and_shows_the_readers_own(db, tmp_path):
    app = create_app(make_settings(db, instance={"domain": "art.example", "scheme": "http", "allow_http": True,
                                                 "data_dir": str(tmp_path / "data")}),
                     manage_database=False, run_jobs=False)
    urls = InstanceUrls("http://art.example")
    ada, bea, cy = [await create_local_account(urls, name) for name in ("ada", "bea", "cy")]
    await relations.follow(bea, ada)
    await relations.follow(cy, ada)
    marked = await statuses.post_status(ada, "Marked by both", visibility="public")
    by_cy = await statuses.post_status(ada, "Marked by cy alone", visibility="public")
    await statuses.post_status(cy, "@ada lovely", visibility="public", in_reply_to=marked)
    await statuses.post_status(bea, "@ada and again", visibility="public", in_reply_to=marked)
    for reader in (bea, cy):
        await relations.favourite(reader, marked)
        await relations.reblog(reader, marked)
    await relations.favourite(cy, by_cy)
    await relations.reblog(cy, by_cy)
    withdrawn = await statuses.post_status(cy, "@ada a withdrawn answer", visibility="public", in_reply_to=by_cy)
    await statuses.delete_status(withdrawn)
    client = app.test_client()
    headers = {"Authorization": f"Bearer {await create_api_token('bea')}"}

    response = await client.get("/api/v1/timelines/home", headers=headers)
    page = {s["id"]: s for s in await response.get_json()}
    marks = {post.content: tuple(page[str(post.pk)][key] for key in (
        "reblogs_count", "favourites_count", "replies_count", "reblogged", "favourited")) for post in (marked, by_cy)}
    assert marks == {marked.content: (2, 2, 2, True, True), by_cy.content: (1, 1, 0, False, False)}
    [own_boost] = [s for s in page.values() if s["reblog"] and s["account"]["acct"] == "bea"]
    assert own_boost["reblog"]["id"] == str(marked.pk) and own_boost["reblog"]["favourited"] is True
    assert own_boost["reblog"]["account"]["acct"] == "ada" and own_boost["reblog"]["account"]["followers_count"] == 2
    [answer] = [s for s in page.values() if s["content"] and "and again" in s["content"]]
    assert (answer["in_reply_to_id"], answer["in_reply_to_account_id"]) == (str(marked.pk), str(ada.pk))
    assert [(m["id"], m["acct"]) for m in answer["mentions"]] == [(str(ada.pk), "ada")]
    assert answer["account"]["statuses_count"] == 2  # the reply and the boost
