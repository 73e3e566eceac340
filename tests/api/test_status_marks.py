"""Pins, bookmarks, muted conversations and who favourited or boosted a status, as a
client library uses them."""

from __future__ import annotations

import httpx
import pytest
from mastodon import MastodonAPIError, MastodonNotFoundError

from fediserver.models import Activity, Notification
from tests.api.conftest import call


async def test_an_artist_pins_up_to_five_posts_to_her_profile(served, make_artist):
    ada, bea = await make_artist("ada"), await make_artist("bea")
    posts = [await call(ada.client.status_post, f"Work {n}") for n in range(6)]
    for post in posts[:5]:
        assert (await call(ada.client.status_pin, post.id)).pinned is True
    with pytest.raises(MastodonAPIError, match="at most 5"):
        await call(ada.client.status_pin, posts[5].id)
    pinned = await call(bea.client.account_statuses, ada.account.pk, pinned=True)
    assert sorted(s.id for s in pinned) == sorted(p.id for p in posts[:5])
    add = await Activity.get(type="Add", object_uri=posts[0].uri)
    assert add.payload["target"] == ada.account.featured_url

    assert (await call(ada.client.status_unpin, posts[0].id)).pinned is False
    assert await Activity.filter(type="Remove", object_uri=posts[0].uri).exists()
    assert (await call(ada.client.status_pin, posts[5].id)).pinned is True
    bea_post = await call(bea.client.status_post, "Not ada's")
    with pytest.raises(MastodonAPIError, match="only your own posts"):
        await call(ada.client.status_pin, bea_post.id)
    assert len(await call(bea.client.account_statuses, ada.account.pk, pinned=True)) == 5


async def test_bookmarks_are_private_paged_and_follow_what_the_reader_may_see(served, make_artist):
    ada, bea = await make_artist("ada"), await make_artist("bea")
    await call(bea.client.account_follow, ada.account.pk)
    public = [await call(ada.client.status_post, f"Study {n}") for n in range(3)]
    private = await call(ada.client.status_post, "For followers", visibility="private")
    for status in [*public, private]:
        assert (await call(bea.client.status_bookmark, status.id)).bookmarked is True
    await call(bea.client.status_bookmark, public[0].id)  # twice is once
    assert (await call(ada.client.status, public[0].id)).bookmarked is False  # bea's, not ada's

    first = await call(httpx.get, f"{served.base_url}/api/v1/bookmarks?limit=2",
                       headers={"Authorization": f"Bearer {bea.token}"})
    assert [s["id"] for s in first.json()] == [private.id, public[2].id]
    assert all(s["bookmarked"] for s in first.json())
    rest = await call(httpx.get, first.links["next"]["url"], headers={"Authorization": f"Bearer {bea.token}"})
    assert [s["id"] for s in rest.json()] == [public[1].id, public[0].id]

    await call(bea.client.account_unfollow, ada.account.pk)
    assert [s.id for s in await call(bea.client.bookmarks)] == [s.id for s in reversed(public)]
    assert (await call(bea.client.status_unbookmark, public[1].id)).bookmarked is False
    assert [s.id for s in await call(bea.client.bookmarks)] == [public[2].id, public[0].id]
    assert await call(ada.client.bookmarks) == []


async def test_who_favourited_and_boosted_a_status_as_the_caller_may_see_it(served, make_artist):
    ada, bea, cid = await make_artist("ada"), await make_artist("bea"), await make_artist("cid")
    status = await call(ada.client.status_post, "Linocut")
    await call(bea.client.status_favourite, status.id)
    await call(cid.client.status_favourite, status.id)
    boost = await call(bea.client.status_reblog, status.id)
    assert [a.acct for a in await call(ada.client.status_favourited_by, status.id)] == ["cid", "bea"]
    assert [a.acct for a in await call(cid.client.status_reblogged_by, status.id)] == ["bea"]
    assert [a.acct for a in await call(cid.client.status_reblogged_by, boost.id)] == ["bea"]

    secret = await call(ada.client.status_post, "@bea only for you", visibility="direct")
    await call(bea.client.status_favourite, secret.id)
    assert [a.acct for a in await call(bea.client.status_favourited_by, secret.id)] == ["bea"]
    for listing in (cid.client.status_favourited_by, cid.client.status_reblogged_by):
        with pytest.raises(MastodonNotFoundError):
            await call(listing, secret.id)
    anonymous = await call(httpx.get, f"{served.base_url}/api/v1/statuses/{secret.id}/favourited_by")
    assert anonymous.status_code == 404 and anonymous.json()["error"]


async def test_a_muted_conversation_sends_no_notifications(served, make_artist):
    ada, bea, cid = await make_artist("ada"), await make_artist("bea"), await make_artist("cid")
    root = await call(ada.client.status_post, "Open studio on Sunday?")
    reply = await call(bea.client.status_post, "@ada yes!", in_reply_to_id=root.id)
    elsewhere = await call(ada.client.status_post, "Another thread")
    muted = await call(ada.client.status_mute, reply.id)
    assert muted.muted is True
    assert (await call(ada.client.status, root.id)).muted is True
    assert (await call(ada.client.status, elsewhere.id)).muted is False
    before = await Notification.filter(account=ada.account).count()

    await call(cid.client.status_post, "@ada @bea me too", in_reply_to_id=reply.id)
    await call(cid.client.status_favourite, root.id)
    assert await Notification.filter(account=ada.account).count() == before
    await call(cid.client.status_favourite, elsewhere.id)
    assert await Notification.filter(account=ada.account).count() == before + 1

    assert (await call(ada.client.status_unmute, root.id)).muted is False
    await call(cid.client.status_reblog, root.id)
    assert await Notification.filter(account=ada.account, kind="reblog").count() == 1
    with pytest.raises(MastodonNotFoundError):
        await call(ada.client.status_mute, "424242")
