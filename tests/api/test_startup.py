"""What apps read when they start: preferences, read markers, announcements, custom emoji,
peers, trends, followed hashtags and a hashtag's timeline, each a valid entity."""

from __future__ import annotations

import httpx
import pytest
from mastodon import MastodonAPIError, MastodonNotFoundError

from fediserver.models import Account
from tests.api.conftest import call


async def test_empty_start_up_lists_are_valid_entities(served, make_artist):
    ada = await make_artist("ada")
    preferences = await call(ada.client.preferences)
    assert preferences["posting:default:visibility"] == "public"
    assert preferences["posting:default:sensitive"] is False and preferences["reading:expand:spoilers"] is False
    assert await call(ada.client.announcements) == []
    assert await call(ada.client.custom_emojis) == []
    assert await call(ada.client.trending_tags) == []
    assert await call(ada.client.followed_tags) == []
    assert await call(ada.client.markers_get, ["home", "notifications"]) == {}
    async with httpx.AsyncClient(base_url=served.base_url) as http:
        for path in ("/api/v1/trends/statuses", "/api/v1/trends/links", "/api/v1/custom_emojis"):
            answer = await http.get(path)
            assert (answer.status_code, answer.json()) == (200, []), path
            assert answer.headers["Content-Type"] == "application/json"
        assert (await http.get("/api/v1/preferences")).status_code == 401  # a person's own settings


async def test_peers_are_the_servers_known_here(served, make_artist):
    ada = await make_artist("ada")
    for uri in ("https://social.example/users/bob", "https://pics.example/users/eve", "https://social.example/users/cy"):
        name = uri.rsplit("/", 1)[1]
        await Account.create(username=name, domain=uri.split("/")[2], uri=uri, inbox_url=uri + "/inbox")
    assert await call(ada.client.instance_peers) == ["pics.example", "social.example"]


async def test_markers_remember_how_far_each_timeline_is_read(served, make_artist):
    ada = await make_artist("ada")
    saved = await call(ada.client.markers_set, ["home", "notifications"], [105, 7])
    assert saved["home"].last_read_id == "105" and saved["home"].version == 0
    again = await call(ada.client.markers_set, "home", 110)
    assert again["home"].last_read_id == "110" and again["home"].version == 1
    read = await call(ada.client.markers_get, ["home", "notifications"])
    assert (read["home"].last_read_id, read["notifications"].last_read_id) == ("110", "7")
    # Tusky sends a form; the answer is the same.
    async with httpx.AsyncClient(base_url=served.base_url, headers={"Authorization": f"Bearer {ada.token}"}) as http:
        answer = await http.post("/api/v1/markers", data={"notifications[last_read_id]": "9"})
        assert answer.json()["notifications"]["last_read_id"] == "9"
        refused = await http.post("/api/v1/markers", json={"home": {}})
        assert refused.status_code == 422 and "last_read_id" in refused.json()["error"]
    assert (await call(ada.client.markers_get, "home"))["home"].last_read_id == "110"


async def test_a_followed_hashtag_brings_its_posts_home(served, make_artist):
    ada, bea = await make_artist("ada"), await make_artist("bea")
    tagged = await call(bea.client.status_post, "new #Linocut print, three colours")
    untagged = await call(bea.client.status_post, "coffee first")
    assert [s.id for s in await call(ada.client.timeline_home)] == []

    followed = await call(ada.client.tag_follow, "linocut")
    assert (followed.name, followed.following) == ("linocut", True)
    assert [t.name for t in await call(ada.client.followed_tags)] == ["linocut"]
    assert (await call(ada.client.tag, "LINOCUT")).following is True
    home = [s.id for s in await call(ada.client.timeline_home)]
    assert tagged.id in home and untagged.id not in home
    assert [s.id for s in await call(ada.client.timeline_hashtag, "linocut")] == [tagged.id]

    assert (await call(ada.client.tag_unfollow, "linocut")).following is False
    assert await call(ada.client.timeline_home) == []
    with pytest.raises(MastodonNotFoundError):
        await call(ada.client.tag_follow, "not a tag")


async def test_a_hashtag_timeline_holds_public_posts_only(served, make_artist):
    ada, bea = await make_artist("ada"), await make_artist("bea")
    shown = await call(bea.client.status_post, "#ink study")
    await call(bea.client.status_post, "#ink for followers", visibility="private")
    await call(bea.client.status_post, "#ink quietly", visibility="unlisted")
    both = await call(bea.client.status_post, "#ink and #wash")
    assert [s.id for s in await call(ada.client.timeline_hashtag, "ink")] == [both.id, shown.id]
    async with httpx.AsyncClient(base_url=served.base_url) as http:
        answer = await http.get("/api/v1/timelines/tag/ink", params={"all[]": "wash"})
        assert [s["id"] for s in answer.json()] == [both.id]
        answer = await http.get("/api/v1/timelines/tag/ink", params={"none[]": "wash", "limit": "1"})
        assert [s["id"] for s in answer.json()] == [shown.id]
        assert (await http.get("/api/v1/timelines/tag/ink", params={"limit": "x"})).status_code == 422
    with pytest.raises(MastodonAPIError):
        await call(ada.client.markers_set, "home", "")
