"""An artist's profile and the people around her, as a Mastodon client drives them:
update_credentials in full (images through the media rules, federated as an Update),
followers and follows, blocks (federated, follows cut both ways), mutes (for a while,
with or without notifications), private notes and favourites; and what blocks and mutes
hide in timelines, notifications, search and threads."""

from __future__ import annotations

import io
from datetime import timedelta

import httpx
import pytest
from mastodon import MastodonAPIError, MastodonNotFoundError

from fediserver.clock import utcnow
from fediserver.models import Account, Delivery, Favourite, Follow, Mute, Notification
from tests.api.conftest import artwork_jpeg, call
from tests.inbox.support import deliver, remote_actor


async def _delivered(kind: str) -> list[dict]:
    return [d.activity.payload for d in await Delivery.all().prefetch_related("activity")
            if d.activity.payload["type"] == kind]


async def test_update_credentials_changes_the_whole_profile_and_tells_followers(served, make_artist):
    ada = await make_artist("ada")
    bob = await remote_actor("https://social.example/users/bob")
    await Follow.create(follower=bob, target=ada.account, state="accepted")
    me = await call(
        ada.client.account_update_credentials, display_name="Ada Ink", note="Printmaker. #linocut",
        fields=[("Shop", "https://ada.example"), ("Pronouns", "she/her")],
        avatar=io.BytesIO(artwork_jpeg((400, 400))), avatar_mime_type="image/jpeg",
        header=io.BytesIO(artwork_jpeg((1500, 500))), header_mime_type="image/jpeg",
        bot=True, discoverable=True, indexable=True, default_privacy="unlisted", default_sensitive=True,
        default_language="fr",
    )
    assert (me.display_name, me.bot, me.discoverable, me.indexable) == ("Ada Ink", True, True, True)
    assert "/tags/linocut" in me.note and me.note.startswith("<p>Printmaker.")
    assert [(f.name, f.value) for f in me.fields] == [("Shop", "https://ada.example"), ("Pronouns", "she/her")]
    assert me.avatar.startswith(served.base_url) and me.header.startswith(served.base_url)
    async with httpx.AsyncClient() as http:
        assert (await http.get(me.avatar)).headers["Content-Type"].startswith("image/")
    assert (me.source.privacy, me.source.sensitive, me.source.language) == ("unlisted", True, "fr")
    assert me.source.note == "Printmaker. #linocut"  # as typed, for the next edit
    preferences = await call(ada.client.preferences)
    assert preferences["posting:default:visibility"] == "unlisted" and preferences["posting:default:language"] == "fr"
    async with httpx.AsyncClient(base_url=served.base_url, headers={"Authorization": f"Bearer {ada.token}"}) as http:
        posted = (await http.post("/api/v1/statuses", data={"status": "defaults apply"})).json()
    assert (posted["visibility"], posted["sensitive"], posted["language"]) == ("unlisted", True, "fr")

    [update] = await _delivered("Update")
    assert update["object"]["name"] == "Ada Ink" and update["object"]["type"] == "Service"
    assert update["object"]["icon"]["url"] == me.avatar

    # Only what is sent changes; a bad part refuses the whole update.
    again = await call(ada.client.account_update_credentials, display_name="Ada")
    assert again.note == me.note and again.avatar == me.avatar and len(again.fields) == 2
    async with httpx.AsyncClient(base_url=served.base_url, headers={"Authorization": f"Bearer {ada.token}"}) as http:
        for data in ({"display_name": "x" * 101}, {"source[privacy]": "everyone"}, {"source[language]": "french!"},
                     {"fields_attributes[0][value]": "no name"}, {"bot": "perhaps"}):
            refused = await http.patch("/api/v1/accounts/update_credentials", data=data)
            assert refused.status_code == 422 and refused.json()["error"].startswith("Validation failed"), data
        refused = await http.patch("/api/v1/accounts/update_credentials", data={"display_name": "Changed"},
                                   files={"avatar": ("avatar.jpg", b"not a picture at all", "image/jpeg")})
        assert refused.status_code == 422
    assert (await call(ada.client.account_verify_credentials)).display_name == "Ada"


async def test_followers_and_follows_are_paged(served, make_artist):
    ada = await make_artist("ada")
    fans = [await make_artist(name) for name in ("bea", "cy", "dan")]
    for fan in fans:
        await call(fan.client.account_follow, ada.account.pk)
    first = await call(ada.client.account_followers, ada.account.pk, limit=2)
    assert [a.acct for a in first] == ["dan", "cy"]
    assert [a.acct for a in await call(ada.client.fetch_next, first)] == ["bea"]
    assert [a.acct for a in await call(ada.client.account_following, fans[0].account.pk)] == ["ada"]
    assert await call(ada.client.account_featured_tags, ada.account.pk) == []
    assert await call(ada.client.featured_tags) == []


async def test_a_block_cuts_follows_hides_everything_and_federates(served, make_artist):
    ada, bea, cy = await make_artist("ada"), await make_artist("bea"), await make_artist("cy")
    await call(ada.client.account_follow, bea.account.pk)
    await call(bea.client.account_follow, ada.account.pk)
    root = await call(cy.client.status_post, "open thread")
    reply = await call(bea.client.status_post, "@cy a reply from bea", in_reply_to_id=root.id)
    await call(bea.client.status_post, "@ada hello")
    assert await call(ada.client.notifications)
    heard_before = await Notification.filter(account=ada.account, from_account=bea.account).count()

    blocked = await call(ada.client.account_block, bea.account.pk)
    assert (blocked.blocking, blocked.following, blocked.followed_by) == (True, False, False)
    assert not await Follow.exists()
    assert (await call(bea.client.account_relationships, ada.account.pk))[0].blocked_by is True
    assert await call(ada.client.timeline_home) == []
    assert bea.account.acct not in [s.account.acct for s in await call(ada.client.timeline_public)]
    assert await call(ada.client.notifications) == []
    assert (await call(ada.client.status_context, root.id)).descendants == []
    assert (await call(bea.client.status_context, root.id)).descendants[0].id == reply.id
    assert (await call(ada.client.search_v2, "bea")).accounts == []
    assert (await call(bea.client.search_v2, "ada")).accounts == []
    with pytest.raises(MastodonAPIError):
        await call(bea.client.account_follow, ada.account.pk)
    await call(bea.client.status_post, "@ada can you hear me")
    assert await Notification.filter(account=ada.account, from_account=bea.account).count() == heard_before
    assert await call(ada.client.notifications) == []
    assert [a.acct for a in await call(ada.client.blocks)] == ["bea"]

    unblocked = await call(ada.client.account_unblock, bea.account.pk)
    assert unblocked.blocking is False and await call(ada.client.blocks) == []


async def test_blocking_a_remote_account_federates_and_drops_its_activities(served, make_artist):
    ada = await make_artist("ada")
    bob = await remote_actor("https://social.example/users/bob")
    await Follow.create(follower=bob, target=ada.account, state="accepted")
    post = await call(ada.client.status_post, "a new print")
    await call(ada.client.account_block, bob.pk)
    [block] = await _delivered("Block")
    assert (block["actor"], block["object"]) == (ada.account.uri, bob.uri)
    assert not await Follow.exists()

    like = {"@context": "https://www.w3.org/ns/activitystreams", "id": "https://social.example/likes/1",
            "type": "Like", "actor": bob.uri, "object": post.uri}
    await deliver(like)
    assert not await Favourite.exists() and not await Notification.exists()
    await deliver({"@context": "https://www.w3.org/ns/activitystreams", "id": "https://social.example/follows/9",
                   "type": "Follow", "actor": bob.uri, "object": ada.account.uri})
    assert not await Follow.exists() and [r["type"] for r in await _delivered("Reject")] == ["Reject"]

    await call(ada.client.account_unblock, bob.pk)
    [undo] = await _delivered("Undo")
    assert undo["object"]["type"] == "Block" and undo["object"]["id"] == block["id"]


async def test_mutes_hide_for_a_while_with_or_without_notifications(served, make_artist):
    ada, bea, cy = await make_artist("ada"), await make_artist("bea"), await make_artist("cy")
    await call(ada.client.account_follow, bea.account.pk)
    await call(ada.client.account_follow, cy.account.pk)
    from_bea = await call(bea.client.status_post, "@ada loud post")
    boosted = await call(cy.client.status_reblog, from_bea.id)

    muted = await call(ada.client.account_mute, bea.account.pk, notifications=False, duration=3600)
    assert (muted.muting, muted.muting_notifications, muted.following) == (True, False, True)
    home = [s.id for s in await call(ada.client.timeline_home)]
    assert from_bea.id not in home and boosted.id not in home
    assert [n.type for n in await call(ada.client.notifications)] == ["mention"]  # notifications still come
    assert (await call(ada.client.status, from_bea.id)).id == from_bea.id  # opened by itself: shown
    [listed] = await call(ada.client.mutes)
    assert listed.acct == "bea" and listed.mute_expires_at is not None
    assert (await call(bea.client.account_relationships, ada.account.pk))[0].following is False  # nothing told

    again = await call(ada.client.account_mute, bea.account.pk)  # for good, notifications too
    assert again.muting_notifications is True and (await call(ada.client.mutes))[0].mute_expires_at is None
    assert await call(ada.client.notifications) == []

    await Mute.filter(account=ada.account).update(expires_at=utcnow() - timedelta(seconds=1))
    assert from_bea.id in [s.id for s in await call(ada.client.timeline_home)]
    assert await call(ada.client.mutes) == []
    assert (await call(ada.client.account_relationships, bea.account.pk))[0].muting is False
    with pytest.raises(MastodonAPIError):
        await call(ada.client.account_mute, bea.account.pk, duration=-1)
    async with httpx.AsyncClient(base_url=served.base_url, headers={"Authorization": f"Bearer {ada.token}"}) as http:
        for duration in ("inf", "a while"):
            refused = await http.post(f"/api/v1/accounts/{bea.account.pk}/mute", data={"duration": duration})
            assert refused.status_code == 422 and "duration" in refused.json()["error"]
    assert (await call(ada.client.account_unmute, bea.account.pk)).muting is False


async def test_notes_and_favourites(served, make_artist):
    ada, bea = await make_artist("ada"), await make_artist("bea")
    noted = await call(ada.client.account_note_set, bea.account.pk, "met at the print fair")
    assert noted.note == "met at the print fair"
    assert (await call(bea.client.account_relationships, ada.account.pk))[0].note == ""
    assert (await call(ada.client.account_note_set, bea.account.pk, "")).note == ""

    posts = [await call(bea.client.status_post, f"print {n}") for n in range(3)]
    for post in (posts[1], posts[0], posts[2]):
        await call(ada.client.status_favourite, post.id)
    first = await call(ada.client.favourites, limit=2)
    assert [s.id for s in first] == [posts[2].id, posts[0].id]  # most recently favourited first
    assert [s.id for s in await call(ada.client.fetch_next, first)] == [posts[1].id]
    with pytest.raises(MastodonNotFoundError):
        await call(ada.client.account_block, 999999)
