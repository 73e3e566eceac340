"""Outbox, followers, following, featured and single posts, with their paging."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from fediserver.local_accounts import create_local_account
from fediserver.models import Account, Follow, FollowState, Post, Visibility
from fediserver.urls import InstanceUrls

BASE = "https://art.example"
URLS = InstanceUrls(BASE)
AP = {"Accept": "application/activity+json"}
PUBLIC = "https://www.w3.org/ns/activitystreams#Public"


@pytest.fixture
async def alice(db):
    return await create_local_account(URLS, "alice")


async def make_post(author: Account, n: int, **fields) -> Post:
    post = await Post.create(uri=f"pending-{n}", account=author, local=True, content=f"<p>post {n}</p>",
                             published_at=datetime(2026, 1, 1, tzinfo=UTC) + timedelta(hours=n), **fields)
    post.uri = post.url = URLS.post(author.username, post.id)
    await post.save()
    return post


async def get_json(client, url: str):
    response = await client.get(url.removeprefix(BASE), headers=AP)
    assert response.status_code == 200, await response.get_data(as_text=True)
    assert response.headers["Content-Type"].startswith("application/activity+json")
    return await response.get_json()


async def walk(client, collection_url: str) -> list:
    """Follow next links from the first page; check each page's shape."""
    collection = await get_json(client, collection_url)
    items, url, pages = [], collection["first"], 0
    while url:
        page = await get_json(client, url)
        assert page["type"] == "OrderedCollectionPage" and page["partOf"] == collection_url
        assert len(page["orderedItems"]) <= 20
        items += page["orderedItems"]
        url, pages = page.get("next"), pages + 1
    return items


async def test_outbox_lists_public_and_unlisted_posts_as_creates(client, alice):
    public = await make_post(alice, 1)
    unlisted = await make_post(alice, 2, visibility=Visibility.UNLISTED)
    await make_post(alice, 3, visibility=Visibility.PRIVATE)
    await make_post(alice, 4, visibility=Visibility.DIRECT)
    await make_post(alice, 5, deleted_at=datetime.now(UTC))

    collection = await get_json(client, f"{BASE}/users/alice/outbox")
    assert collection["type"] == "OrderedCollection"
    assert collection["totalItems"] == 2
    assert collection["first"] == f"{BASE}/users/alice/outbox?page=true"
    items = await walk(client, f"{BASE}/users/alice/outbox")
    assert [item["object"]["id"] for item in items] == [unlisted.uri, public.uri]
    create = items[1]
    assert create["type"] == "Create" and create["actor"] == alice.uri
    assert create["id"] == f"{public.uri}/activity"
    assert create["object"]["to"] == [PUBLIC] and create["object"]["content"] == "<p>post 1</p>"
    assert PUBLIC in items[0]["object"]["cc"]


@pytest.mark.parametrize("count", [0, 1, 20, 21, 45])
async def test_paging_visits_every_item_once(client, alice, count):
    posts = [await make_post(alice, n) for n in range(count)]
    items = await walk(client, f"{BASE}/users/alice/outbox")
    assert [item["object"]["id"] for item in items] == [post.uri for post in reversed(posts)]


async def test_pages_link_both_ways(client, alice):
    posts = [await make_post(alice, n) for n in range(45)]
    first = await get_json(client, f"{BASE}/users/alice/outbox?page=true")
    assert "prev" not in first
    assert first["next"] == f"{BASE}/users/alice/outbox?page=true&max_id={posts[25].id}"
    second = await get_json(client, first["next"])
    assert second["prev"] == f"{BASE}/users/alice/outbox?page=true&min_id={posts[24].id}"
    back = await get_json(client, second["prev"])
    assert [i["object"]["id"] for i in back["orderedItems"]] == [i["object"]["id"] for i in first["orderedItems"]]
    last = await get_json(client, second["next"])
    assert len(last["orderedItems"]) == 5 and "next" not in last
    # A page past the end is empty and says so.
    empty = await get_json(client, f"{BASE}/users/alice/outbox?page=true&max_id={posts[0].id}")
    assert empty["orderedItems"] == [] and "next" not in empty


@pytest.mark.parametrize("cursor", ["max_id=abc", "min_id=-1", "max_id=1e5"])
async def test_a_bad_cursor_is_400(client, alice, cursor):
    response = await client.get(f"/users/alice/outbox?page=true&{cursor}", headers=AP)
    assert response.status_code == 400


async def _remote(name: str) -> Account:
    return await Account.create(username=name, domain="else.example", uri=f"https://else.example/users/{name}")


async def test_followers_and_following_list_accepted_follows_only(client, alice):
    accepted = [await _remote(f"fan{n}") for n in range(23)]
    for fan in accepted:
        await Follow.create(follower=fan, target=alice, state=FollowState.ACCEPTED)
    pending = await _remote("waiting")
    await Follow.create(follower=pending, target=alice, state=FollowState.PENDING)
    await Follow.create(follower=alice, target=accepted[0], state=FollowState.ACCEPTED)
    await Follow.create(follower=alice, target=pending, state=FollowState.PENDING)

    assert (await get_json(client, f"{BASE}/users/alice/followers"))["totalItems"] == 23
    followers = await walk(client, f"{BASE}/users/alice/followers")
    assert sorted(followers) == sorted(fan.uri for fan in accepted)
    assert await walk(client, f"{BASE}/users/alice/following") == [accepted[0].uri]


async def test_featured_lists_pinned_public_posts_as_notes(client, alice):
    older = await make_post(alice, 1, pinned_at=datetime(2026, 2, 1, tzinfo=UTC))
    newer = await make_post(alice, 2, pinned_at=datetime(2026, 3, 1, tzinfo=UTC))
    await make_post(alice, 3, pinned_at=datetime(2026, 4, 1, tzinfo=UTC), visibility=Visibility.PRIVATE)
    await make_post(alice, 4)
    featured = await get_json(client, f"{BASE}/users/alice/collections/featured")
    assert featured["type"] == "OrderedCollection" and featured["totalItems"] == 2
    assert [note["id"] for note in featured["orderedItems"]] == [newer.uri, older.uri]
    assert featured["orderedItems"][0]["type"] == "Note"


async def test_a_public_post_is_served_as_a_note(client, alice):
    post = await make_post(alice, 1, summary="a <b>cw</b>")
    note = await get_json(client, post.uri)
    assert note["id"] == post.uri and note["attributedTo"] == alice.uri
    assert note["@context"][0] == "https://www.w3.org/ns/activitystreams"
    page = await (await client.get(post.uri.removeprefix(BASE))).get_data(as_text=True)
    assert "<p>post 1</p>" in page and "a &lt;b&gt;cw&lt;/b&gt;" in page


@pytest.mark.parametrize("visibility", [Visibility.PRIVATE, Visibility.DIRECT])
async def test_followers_only_and_direct_posts_are_404(client, alice, visibility):
    post = await make_post(alice, 1, visibility=visibility)
    response = await client.get(post.uri.removeprefix(BASE), headers=AP)
    assert response.status_code == 404
    assert "post 1" not in await response.get_data(as_text=True)


async def test_a_deleted_post_is_a_410_tombstone(client, alice):
    post = await make_post(alice, 1, deleted_at=datetime(2026, 5, 1, tzinfo=UTC))
    response = await client.get(post.uri.removeprefix(BASE), headers=AP)
    assert response.status_code == 410
    tomb = await response.get_json()
    assert (tomb["id"], tomb["type"], tomb["deleted"]) == (post.uri, "Tombstone", "2026-05-01T00:00:00Z")


async def test_another_artists_post_id_is_404(client, alice):
    bea = await create_local_account(URLS, "bea")
    post = await make_post(bea, 1)
    assert (await client.get(f"/users/alice/statuses/{post.id}", headers=AP)).status_code == 404
    assert (await client.get("/users/nobody/outbox", headers=AP)).status_code == 404
    assert (await client.get(f"/users/alice/statuses/{2**64}", headers=AP)).status_code == 404


async def _signed_get(client, peer, path: str):
    headers = AP | peer.signed_headers("GET", BASE + path, None)
    return await client.get(path, headers=headers)


@pytest.fixture
async def reader_client(db):
    from fediserver.app import create_app
    from tests.conftest import make_settings

    app = create_app(make_settings(db, federation={"allow_private_addresses": True}),
                     manage_database=False, run_jobs=False)
    yield app.test_client()
    await app.config["SERVICES"].aclose()


async def test_a_followers_only_post_is_served_to_a_signed_follower_only(reader_client, alice):
    from tests.remote_peer import RemotePeer

    post = await make_post(alice, 1, visibility=Visibility.PRIVATE)
    path = post.uri.removeprefix(BASE)
    async with RemotePeer() as peer:
        assert (await _signed_get(reader_client, peer, path)).status_code == 404  # not a follower yet
        follower = await Account.get(uri=peer.actor_id)  # stored when its key was fetched
        follow = await Follow.create(follower=follower, target=alice, state=FollowState.PENDING)
        assert (await _signed_get(reader_client, peer, path)).status_code == 404
        follow.state = FollowState.ACCEPTED
        await follow.save()
        response = await _signed_get(reader_client, peer, path)
        assert response.status_code == 200
        assert (await response.get_json())["id"] == post.uri
    assert (await reader_client.get(path, headers=AP)).status_code == 404


async def test_a_direct_post_is_served_to_a_signed_addressee_only(reader_client, alice):
    from tests.remote_peer import RemotePeer

    async with RemotePeer() as peer, RemotePeer("eve") as other:
        # A post can only mention an account this server knows: its first signed GET stores it.
        assert (await _signed_get(reader_client, peer, "/users/alice/outbox")).status_code == 200
        post = await make_post(alice, 1, visibility=Visibility.DIRECT,
                               tags=[{"type": "Mention", "href": peer.actor_id, "name": "@dora"}])
        path = post.uri.removeprefix(BASE)
        assert (await _signed_get(reader_client, peer, path)).status_code == 200
        assert (await _signed_get(reader_client, other, path)).status_code == 404


async def test_a_followers_only_post_is_served_to_an_account_it_mentions(reader_client, alice):
    from tests.remote_peer import RemotePeer

    async with RemotePeer() as peer:
        assert (await _signed_get(reader_client, peer, "/users/alice/outbox")).status_code == 200
        post = await make_post(alice, 1, visibility=Visibility.PRIVATE,
                               tags=[{"type": "Mention", "href": peer.actor_id, "name": "@dora"}])
        response = await _signed_get(reader_client, peer, post.uri.removeprefix(BASE))
        assert response.status_code == 200  # named in it, though no follower


async def test_the_outbox_lists_to_a_signed_follower_what_it_may_read(reader_client, alice):
    from tests.remote_peer import RemotePeer

    public = await make_post(alice, 1)
    private = await make_post(alice, 2, visibility=Visibility.PRIVATE)
    await make_post(alice, 3, visibility=Visibility.DIRECT)
    async with RemotePeer() as peer:
        page = (await (await _signed_get(reader_client, peer, "/users/alice/outbox?page=true")).get_json())
        assert [item["object"]["id"] for item in page["orderedItems"]] == [public.uri]
        follower = await Account.get(uri=peer.actor_id)
        await Follow.create(follower=follower, target=alice, state=FollowState.ACCEPTED)
        page = (await (await _signed_get(reader_client, peer, "/users/alice/outbox?page=true")).get_json())
        assert [item["object"]["id"] for item in page["orderedItems"]] == [private.uri, public.uri]
