"""What an artist features on her profile and the people apps suggest, as Elk, Phanpy,
Tusky and Ivory call them: featured hashtags (counted, suggested, federated through the
actor's ``featuredTags``), endorsed accounts (only followed ones, ended by unfollowing),
removing the avatar or header, follow suggestions and familiar followers; each refusal
with its status, and the whole set once more through Mastodon.py."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import httpx
from mastodon import Mastodon

from fediserver.local_accounts import create_api_token
from fediserver.models import (
    Account, AccountEndorsement, Block, Delivery, FeaturedTag, Follow, Mute, Post, Visibility, Work,
)
from tests.api.conftest import artwork_jpeg, call
from tests.inbox.support import remote_actor

AP = {"Accept": "application/activity+json"}


def api(served, token: str | None) -> httpx.AsyncClient:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.AsyncClient(base_url=served.base_url, headers=headers)


async def _updates_sent() -> list[dict]:
    return [d.activity.payload for d in await Delivery.all().order_by("id").prefetch_related("activity")
            if d.activity.payload["type"] == "Update"]


async def _remote_follower_of(artist) -> Account:
    bob = await remote_actor("https://social.example/users/bob")
    await Follow.create(follower=bob, target=artist.account, state="accepted")
    return bob


# Featured hashtags


async def test_featured_hashtags_are_counted_listed_federated_and_removed(served, make_artist):
    ada, bea = await make_artist("ada"), await make_artist("bea")
    await _remote_follower_of(ada)
    async with api(served, ada.token) as http:
        for text, visibility in (("Harbour #Ink", "public"), ("More #ink", "unlisted"), ("Hidden #ink", "private"),
                                 ("No tag here", "public")):
            assert (await http.post("/api/v1/statuses", data={"status": text, "visibility": visibility})).is_success
        created = await http.post("/api/v1/featured_tags", data={"name": "#Ink"})
        assert created.status_code == 200, created.text
        tag = created.json()
        assert tag["name"] == "Ink" and tag["url"] == f"{served.base_url}/tags/ink"
        # Posts anyone may see carrying the tag: the public and the unlisted one.
        assert tag["statuses_count"] == "2"
        assert tag["last_status_at"] == datetime.now(UTC).date().isoformat()
        assert (await http.get("/api/v1/featured_tags")).json() == [tag]

        # The actor goes to her followers again, naming the collection that lists the tag.
        [update] = await _updates_sent()
        assert update["object"]["featuredTags"] == f"{served.base_url}/users/ada/collections/tags"

        refusals = [
            ({}, "name is required"), ({"name": "not a tag!"}, "is not a hashtag"),
            ({"name": "2024"}, "is not a hashtag"), ({"name": "INK"}, "already featured"),
        ]
        for data, reason in refusals:
            refused = await http.post("/api/v1/featured_tags", data=data)
            assert refused.status_code == 422 and reason in refused.json()["error"], (data, refused.text)
        for n in range(9):
            assert (await http.post("/api/v1/featured_tags", json={"name": f"series{n}"})).status_code == 200
        eleventh = await http.post("/api/v1/featured_tags", data={"name": "onemore"})
        assert eleventh.status_code == 422 and "at most 10" in eleventh.json()["error"]
        assert await FeaturedTag.filter(account=ada.account).count() == 10
        assert len(await _updates_sent()) == 10  # one per change that happened, none for a refusal

    async with api(served, None) as anonymous:
        shown = (await anonymous.get(f"/api/v1/accounts/{ada.account.pk}/featured_tags")).json()
        assert [t["name"] for t in shown] == ["Ink", *(f"series{n}" for n in range(9))]
        assert shown[1]["statuses_count"] == "0" and shown[1]["last_status_at"] is None
        assert (await anonymous.get(f"/api/v1/accounts/{bea.account.pk}/featured_tags")).json() == []
        assert (await anonymous.get("/api/v1/accounts/999999/featured_tags")).status_code == 404
        assert (await anonymous.get("/api/v1/featured_tags")).status_code == 401
        for version in ("v1", "v2"):
            configuration = (await anonymous.get(f"/api/{version}/instance")).json()["configuration"]
            assert configuration["accounts"]["max_featured_tags"] == 10

    async with api(served, bea.token) as http:  # someone else's featured tag is not hers to remove
        assert (await http.delete(f"/api/v1/featured_tags/{tag['id']}")).status_code == 404
    async with api(served, ada.token) as http:
        assert (await http.delete(f"/api/v1/featured_tags/{tag['id']}")).json() == {}
        assert "Ink" not in [t["name"] for t in (await http.get("/api/v1/featured_tags")).json()]
        assert (await http.delete(f"/api/v1/featured_tags/{tag['id']}")).status_code == 404
        assert (await http.delete("/api/v1/featured_tags/not-a-number")).status_code == 404
        assert len(await _updates_sent()) == 11
        assert (await http.post("/api/v1/featured_tags", data={"name": "ink"})).status_code == 200  # room again


async def test_the_actor_lists_its_featured_hashtags(served, make_artist):
    ada = await make_artist("ada")
    async with api(served, ada.token) as http:
        for name in ("ink", "Linocut"):
            assert (await http.post("/api/v1/featured_tags", data={"name": name})).status_code == 200
    async with httpx.AsyncClient(base_url=served.base_url, headers=AP) as fediverse:
        actor = (await fediverse.get("/users/ada")).json()
        assert actor["featuredTags"] == f"{served.base_url}/users/ada/collections/tags"
        assert any(isinstance(c, dict) and c.get("featuredTags", {}).get("@id") == "toot:featuredTags"
                   for c in actor["@context"])
        collection = (await fediverse.get(actor["featuredTags"])).json()
        assert collection["id"] == actor["featuredTags"] and collection["type"] == "Collection"
        assert collection["totalItems"] == 2
        assert collection["items"] == [
            {"type": "Hashtag", "href": f"{served.base_url}/tags/ink", "name": "#ink"},
            {"type": "Hashtag", "href": f"{served.base_url}/tags/linocut", "name": "#Linocut"},
        ]
        assert (await fediverse.get("/users/nobody/collections/tags")).status_code == 404


async def test_hashtag_suggestions_are_her_own_most_used_tags(served, make_artist):
    ada, bea = await make_artist("ada"), await make_artist("bea")
    async with api(served, ada.token) as http:
        for text in ("#ink one", "#Ink two #sea", "#ink three #linocut", "#linocut again", "#sea #shore"):
            assert (await http.post("/api/v1/statuses", data={"status": text})).is_success
        assert (await http.post("/api/v1/featured_tags", data={"name": "sea"})).status_code == 200
        assert (await http.post("/api/v1/tags/linocut/follow")).is_success
    async with api(served, bea.token) as http:
        for _ in range(4):
            assert (await http.post("/api/v1/statuses", data={"status": "#bea only"})).is_success
    async with api(served, ada.token) as http:
        suggested = (await http.get("/api/v1/featured_tags/suggestions")).json()
    # Most used first, the featured one left out; Tag entities.
    assert [(t["name"], t["following"]) for t in suggested] == [("ink", False), ("linocut", True), ("shore", False)]
    assert suggested[0]["url"] == f"{served.base_url}/tags/ink" and suggested[0]["history"] == []


# Endorsements


async def test_endorsing_needs_a_follow_and_unfollowing_ends_it(served, make_artist):
    ada, bea, cy, dan = [await make_artist(name) for name in ("ada", "bea", "cy", "dan")]
    async with api(served, ada.token) as http:
        refused = await http.post(f"/api/v1/accounts/{bea.account.pk}/endorse")
        assert refused.status_code == 422 and "follow" in refused.json()["error"]
        assert (await http.post(f"/api/v1/accounts/{ada.account.pk}/endorse")).status_code == 422  # herself
        assert (await http.post("/api/v1/accounts/999999/endorse")).status_code == 404
        assert (await http.post("/api/v1/accounts/abc/pin")).status_code == 404

        for artist in (bea, cy):
            assert (await http.post(f"/api/v1/accounts/{artist.account.pk}/follow")).json()["following"] is True
        endorsed = (await http.post(f"/api/v1/accounts/{bea.account.pk}/endorse")).json()
        assert endorsed["endorsed"] is True and endorsed["id"] == str(bea.account.pk)
        assert (await http.post(f"/api/v1/accounts/{bea.account.pk}/endorse")).json()["endorsed"] is True  # again
        assert (await http.post(f"/api/v1/accounts/{cy.account.pk}/pin")).json()["endorsed"] is True  # older name

        first = await http.get("/api/v1/endorsements", params={"limit": 1})
        assert [a["acct"] for a in first.json()] == ["cy"]
        next_url = first.headers["Link"].split(">;")[0].lstrip("<")
        assert [a["acct"] for a in (await http.get(next_url)).json()] == ["bea"]
        relationships = (await http.get("/api/v1/accounts/relationships",
                                        params=[("id[]", bea.account.pk), ("id[]", dan.account.pk)])).json()
        assert [(r["id"], r["endorsed"]) for r in relationships] == [(str(bea.account.pk), True),
                                                                     (str(dan.account.pk), False)]

    async with api(served, None) as anonymous:
        public = (await anonymous.get(f"/api/v1/accounts/{ada.account.pk}/endorsements")).json()
        assert [a["acct"] for a in public] == ["cy", "bea"]
        assert (await anonymous.get("/api/v1/endorsements")).status_code == 401
    async with api(served, dan.token) as http:  # someone blocked either way with the reader is left out
        assert (await http.post(f"/api/v1/accounts/{bea.account.pk}/block")).is_success
        shown = (await http.get(f"/api/v1/accounts/{ada.account.pk}/endorsements")).json()
        assert [a["acct"] for a in shown] == ["cy"]

    async with api(served, ada.token) as http:
        assert (await http.post(f"/api/v1/accounts/{cy.account.pk}/unpin")).json()["endorsed"] is False
        assert (await http.post(f"/api/v1/accounts/{cy.account.pk}/unendorse")).json()["endorsed"] is False
        assert (await http.post(f"/api/v1/accounts/{cy.account.pk}/endorse")).json()["endorsed"] is True
        # Unfollowing ends the endorsement; following again does not bring it back.
        unfollowed = (await http.post(f"/api/v1/accounts/{bea.account.pk}/unfollow")).json()
        assert unfollowed["endorsed"] is False
        assert (await http.post(f"/api/v1/accounts/{bea.account.pk}/follow")).json()["endorsed"] is False
        assert [a["acct"] for a in (await http.get("/api/v1/endorsements")).json()] == ["cy"]
    # So does the endorsed account removing her from its followers.
    async with api(served, cy.token) as http:
        assert (await http.post(f"/api/v1/accounts/{ada.account.pk}/remove_from_followers")).is_success
    assert not await AccountEndorsement.filter(account=ada.account).exists()


async def test_a_block_ends_endorsements_and_suspended_accounts_are_not_shown(served, make_artist):
    ada, bea, cy = await make_artist("ada"), await make_artist("bea"), await make_artist("cy")
    async with api(served, ada.token) as http:
        for artist in (bea, cy):
            await http.post(f"/api/v1/accounts/{artist.account.pk}/follow")
            assert (await http.post(f"/api/v1/accounts/{artist.account.pk}/endorse")).json()["endorsed"] is True
    async with api(served, bea.token) as http:
        assert (await http.post(f"/api/v1/accounts/{ada.account.pk}/block")).is_success
    assert [e.target_id for e in await AccountEndorsement.all()] == [cy.account.pk]
    await Account.filter(id=cy.account.pk).update(suspended=True)
    async with api(served, ada.token) as http:
        assert (await http.get("/api/v1/endorsements")).json() == []
        assert (await http.get(f"/api/v1/accounts/{ada.account.pk}/endorsements")).json() == []


# Profile pictures


async def test_removing_the_avatar_and_header_tells_followers(served, make_artist):
    ada = await make_artist("ada")
    await _remote_follower_of(ada)
    me = await call(ada.client.account_update_credentials,
                    avatar=io.BytesIO(artwork_jpeg((400, 400))), avatar_mime_type="image/jpeg",
                    header=io.BytesIO(artwork_jpeg((1500, 500))), header_mime_type="image/jpeg")
    assert me.avatar and me.header
    async with api(served, ada.token) as http:
        without_avatar = (await http.delete("/api/v1/profile/avatar")).json()
        assert without_avatar["avatar"] == "" and without_avatar["header"] == me.header
        assert "source" in without_avatar  # the CredentialAccount, as verify_credentials answers
        sent = (await _updates_sent())[-1]["object"]
        assert "icon" not in sent and sent["image"]["url"] == me.header
        without_header = (await http.delete("/api/v1/profile/header")).json()
        assert (without_header["avatar"], without_header["header"]) == ("", "")
        updates = len(await _updates_sent())
        assert (await http.delete("/api/v1/profile/header")).status_code == 200  # nothing left to remove
        assert len(await _updates_sent()) == updates  # and nothing sent for it
    async with httpx.AsyncClient(base_url=served.base_url, headers=AP) as fediverse:
        actor = (await fediverse.get("/users/ada")).json()
        assert "icon" not in actor and "image" not in actor


# Suggestions and familiar followers


async def _post(artist, text: str, at: datetime, visibility: Visibility = Visibility.PUBLIC) -> Post:
    return await Post.create(uri=f"{artist.account.uri}/statuses/{text}", account=artist.account, local=True,
                             content=f"<p>{text}</p>", published_at=at, visibility=visibility)


async def test_suggestions_are_the_collectives_artists_not_followed_yet(served, make_artist):
    names = ("ada", "bea", "cy", "dan", "eve", "fay", "gus", "hal", "ivy")
    ada, bea, cy, dan, eve, fay, gus, hal, ivy = [await make_artist(name) for name in names]
    # bea has a work (her latest public post is the oldest), cy posted most recently, dan
    # posted earlier, eve only followers-only, ivy never.
    work = await _post(bea, "work", datetime(2025, 1, 1, tzinfo=UTC))
    await Work.create(post=work, account=bea.account)
    await _post(cy, "newest", datetime(2026, 3, 1, tzinfo=UTC))
    await _post(dan, "older", datetime(2026, 1, 1, tzinfo=UTC))
    await _post(eve, "private", datetime(2026, 4, 1, tzinfo=UTC), Visibility.PRIVATE)
    # Not suggested: followed (fay), muted (gus), suspended (hal), remote accounts, and jo,
    # who did not choose to be discoverable (apps' "suggested" lists are opt-in, as on Mastodon).
    await Account.filter(id__in=[a.account.pk for a in (bea, cy, dan, eve, fay, gus, hal, ivy)]).update(
        discoverable=True)
    await make_artist("jo")
    await Follow.create(follower=ada.account, target=fay.account, state="accepted")
    await Mute.create(account=ada.account, target=gus.account)
    await Account.filter(id=hal.account.pk).update(suspended=True)
    await remote_actor("https://social.example/users/bob")
    async with api(served, ada.token) as http:
        suggested = (await http.get("/api/v2/suggestions")).json()
        assert [s["account"]["acct"] for s in suggested] == ["bea", "cy", "dan", "eve", "ivy"]
        assert suggested[0]["source"] == "staff" and suggested[0]["sources"] == ["featured"]
        assert [a["acct"] for a in (await http.get("/api/v1/suggestions", params={"limit": 2})).json()] == ["bea", "cy"]
        assert (await http.get("/api/v2/suggestions", params={"limit": "many"})).status_code == 422

        assert (await http.delete(f"/api/v1/suggestions/{cy.account.pk}")).json() == {}
        assert (await http.delete(f"/api/v1/suggestions/{cy.account.pk}")).json() == {}  # twice: no harm
        assert (await http.delete("/api/v1/suggestions/abc")).status_code == 404
        assert (await http.post(f"/api/v1/accounts/{eve.account.pk}/block")).is_success
        assert [s["account"]["acct"] for s in (await http.get("/api/v2/suggestions")).json()] == ["bea", "dan", "ivy"]
    # A block the other way keeps them apart too.
    await Block.create(account=dan.account, target=ada.account)
    async with api(served, ada.token) as http:
        assert [a["acct"] for a in (await http.get("/api/v1/suggestions")).json()] == ["bea", "ivy"]


async def test_familiar_followers_are_the_callers_follows_who_follow_them(served, make_artist):
    ada, bea, cy, dan, eve, fay = [await make_artist(name) for name in ("ada", "bea", "cy", "dan", "eve", "fay")]
    for follower, target in ((ada, bea), (ada, cy), (ada, fay), (bea, dan), (cy, dan), (eve, dan), (fay, dan),
                             (bea, eve)):
        await Follow.create(follower=follower.account, target=target.account, state="accepted")
    await Account.filter(id=fay.account.pk).update(suspended=True)
    async with api(served, ada.token) as http:
        answer = (await http.get("/api/v1/accounts/familiar_followers",
                                 params=[("id[]", dan.account.pk), ("id[]", eve.account.pk),
                                         ("id[]", "999999"), ("id[]", fay.account.pk)])).json()
        # eve follows dan but ada does not follow eve; fay is suspended; unknown ids are left out.
        assert [(f["id"], [a["acct"] for a in f["accounts"]]) for f in answer] == [
            (str(dan.account.pk), ["bea", "cy"]), (str(eve.account.pk), ["bea"]),
        ]
        assert (await http.get("/api/v1/accounts/familiar_followers", params={"id[]": "abc"})).status_code == 404
        assert (await http.get("/api/v1/accounts/familiar_followers")).json() == []


async def test_each_endpoint_asks_for_its_scope(served, make_artist):
    ada, bea = await make_artist("ada"), await make_artist("bea")
    reader = await create_api_token("ada", "reader", scopes="read")
    writer = await create_api_token("ada", "writer", scopes="write")
    async with api(served, reader) as http:
        for method, path in (("POST", "/api/v1/featured_tags"), ("DELETE", "/api/v1/featured_tags/1"),
                             ("POST", f"/api/v1/accounts/{bea.account.pk}/endorse"),
                             ("POST", f"/api/v1/accounts/{bea.account.pk}/unpin"),
                             ("DELETE", "/api/v1/profile/avatar"), ("DELETE", "/api/v1/profile/header"),
                             ("DELETE", f"/api/v1/suggestions/{bea.account.pk}")):
            refused = await http.request(method, path)
            assert refused.status_code == 403, (method, path)
        for path in ("/api/v1/featured_tags", "/api/v1/featured_tags/suggestions", "/api/v1/endorsements",
                     "/api/v2/suggestions", "/api/v1/suggestions",
                     f"/api/v1/accounts/familiar_followers?id[]={bea.account.pk}"):
            assert (await http.get(path)).status_code == 200, path
    async with api(served, writer) as http:
        for path in ("/api/v1/featured_tags", "/api/v1/endorsements", "/api/v2/suggestions",
                     f"/api/v1/accounts/familiar_followers?id[]={bea.account.pk}"):
            assert (await http.get(path)).status_code == 403, path
    assert not await FeaturedTag.exists()


# The same through a real client library


async def test_mastodon_py_features_suggests_and_removes_pictures(served, make_artist):
    ada, bea, cy = await make_artist("ada"), await make_artist("bea"), await make_artist("cy")
    await call(ada.client.status_post, "Harbour #ink")
    featured = await call(ada.client.featured_tag_create, "ink")
    assert (featured.name, featured.statuses_count) == ("ink", "1")
    assert [t.name for t in await call(ada.client.featured_tags)] == ["ink"]
    assert [t.name for t in await call(bea.client.account_featured_tags, ada.account.pk)] == ["ink"]
    assert await call(ada.client.featured_tag_suggestions) == []
    await call(ada.client.featured_tag_delete, featured)
    assert await call(ada.client.featured_tags) == []

    for artist in (bea, cy):  # suggestions name only artists who chose to be discoverable
        await call(artist.client.account_update_credentials, discoverable=True)
    assert [a.acct for a in await call(ada.client.suggestions)] == ["bea", "cy"]
    [first, _] = await call(ada.client.suggestions_v2)
    assert (first.source, first.account.acct) == ("staff", "bea")
    await call(ada.client.suggestion_delete, bea.account.pk)
    assert [a.acct for a in await call(ada.client.suggestions_v1)] == ["cy"]

    await call(ada.client.account_follow, bea.account.pk)
    await call(cy.client.account_follow, bea.account.pk)
    await call(ada.client.account_follow, cy.account.pk)
    assert (await call(ada.client.account_pin, bea.account.pk)).endorsed is True
    assert [a.acct for a in await call(ada.client.endorsements)] == ["bea"]
    assert (await call(ada.client.account_unpin, bea.account.pk)).endorsed is False
    # endorse/unendorse are Mastodon 4.4's names; this server advertises an older API level.
    unchecked = Mastodon(access_token=ada.token, api_base_url=served.base_url, version_check_mode="none")
    assert (await call(unchecked.account_endorse, cy.account.pk)).endorsed is True
    assert (await call(unchecked.account_unendorse, cy.account.pk)).endorsed is False

    [familiar] = await call(ada.client.account_familiar_followers, bea.account.pk)
    assert (familiar.id, [a.acct for a in familiar.accounts]) == (str(bea.account.pk), ["cy"])

    await call(ada.client.account_update_credentials, avatar=io.BytesIO(artwork_jpeg((300, 300))),
               avatar_mime_type="image/jpeg")
    assert (await call(ada.client.account_delete_avatar)).avatar == ""
    assert (await call(ada.client.account_delete_header)).header == ""
