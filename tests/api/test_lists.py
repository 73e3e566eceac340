"""Lists as apps drive them: create, rename, delete; members only among followed
accounts; the list's timeline with its replies policy; an exclusive list takes its
members out of home."""

from __future__ import annotations

import httpx
import pytest
from mastodon import MastodonAPIError, MastodonNotFoundError

from tests.api.conftest import call


async def test_a_list_of_followed_artists_and_its_timeline(served, make_artist):
    ada, bea, cy, dan = [await make_artist(name) for name in ("ada", "bea", "cy", "dan")]
    for other in (bea, cy, dan):
        await call(ada.client.account_follow, other.account.pk)
    printers = await call(ada.client.list_create, "Printmakers")
    assert (printers.title, printers.replies_policy, printers.exclusive) == ("Printmakers", "list", False)
    await call(ada.client.list_accounts_add, printers.id, [bea.account.pk, cy.account.pk])
    assert sorted(a.acct for a in await call(ada.client.list_accounts, printers.id)) == ["bea", "cy"]
    assert [l.title for l in await call(ada.client.account_lists, bea.account.pk)] == ["Printmakers"]

    bea_post = await call(bea.client.status_post, "etching, plate two")
    dan_post = await call(dan.client.status_post, "watercolour")
    to_cy = await call(bea.client.status_post, "@cy nice plate", in_reply_to_id=(
        await call(cy.client.status_post, "my plate")).id)
    to_dan = await call(bea.client.status_post, "@dan nice wash", in_reply_to_id=dan_post.id)
    to_self = await call(bea.client.status_post, "and a detail", in_reply_to_id=bea_post.id)
    timeline = [s.id for s in await call(ada.client.timeline_list, printers.id)]
    assert dan_post.id not in timeline and to_dan.id not in timeline  # dan is not in it; nor replies to him
    assert {bea_post.id, to_cy.id, to_self.id} <= set(timeline)

    await call(ada.client.list_update, printers.id, "Printmakers", replies_policy="none")
    timeline = [s.id for s in await call(ada.client.timeline_list, printers.id)]
    assert to_cy.id not in timeline and to_self.id in timeline
    await call(ada.client.list_update, printers.id, "Printmakers", replies_policy="followed")
    assert to_dan.id in [s.id for s in await call(ada.client.timeline_list, printers.id)]

    # Unfollowed, bea leaves the list at once.
    await call(ada.client.account_unfollow, bea.account.pk)
    assert [a.acct for a in await call(ada.client.list_accounts, printers.id)] == ["cy"]
    assert bea_post.id not in [s.id for s in await call(ada.client.timeline_list, printers.id)]

    await call(ada.client.list_accounts_delete, printers.id, [cy.account.pk])
    assert await call(ada.client.list_accounts, printers.id) == []
    await call(ada.client.list_delete, printers.id)
    assert await call(ada.client.lists) == []


async def test_an_exclusive_list_takes_its_members_out_of_home(served, make_artist):
    ada, bea, cy = await make_artist("ada"), await make_artist("bea"), await make_artist("cy")
    for other in (bea, cy):
        await call(ada.client.account_follow, other.account.pk)
    news = await call(ada.client.list_create, "News", exclusive=True)
    await call(ada.client.list_accounts_add, news.id, [bea.account.pk])
    from_bea = await call(bea.client.status_post, "headlines")
    from_cy = await call(cy.client.status_post, "a drawing")
    home = [s.id for s in await call(ada.client.timeline_home)]
    assert from_cy.id in home and from_bea.id not in home
    assert [s.id for s in await call(ada.client.timeline_list, news.id)] == [from_bea.id]
    renamed = await call(ada.client.list_update, news.id, "Headlines", exclusive=False)
    assert (renamed.title, renamed.exclusive) == ("Headlines", False)
    assert from_bea.id in [s.id for s in await call(ada.client.timeline_home)]


async def test_bad_list_requests_are_refused_plainly(served, make_artist):
    ada, bea, cy = await make_artist("ada"), await make_artist("bea"), await make_artist("cy")
    mine = await call(ada.client.list_create, "Mine")
    with pytest.raises(MastodonAPIError, match="only accounts you follow"):
        await call(ada.client.list_accounts_add, mine.id, [bea.account.pk])
    with pytest.raises(MastodonNotFoundError):
        await call(bea.client.timeline_list, mine.id)  # someone else's list
    with pytest.raises(MastodonNotFoundError):
        await call(bea.client.list_delete, mine.id)
    async with httpx.AsyncClient(base_url=served.base_url, headers={"Authorization": f"Bearer {ada.token}"}) as http:
        for body in ({"title": ""}, {"title": "x", "replies_policy": "everyone"}, {"title": "x", "exclusive": "maybe"}):
            answer = await http.post("/api/v1/lists", json=body)
            assert answer.status_code == 422 and "Validation failed" in answer.json()["error"], body
        assert (await http.post(f"/api/v1/lists/{mine.id}/accounts", data={})).status_code == 422
        assert (await http.get("/api/v1/timelines/list/abc")).status_code == 404
    assert [l.title for l in await call(ada.client.lists)] == ["Mine"]
