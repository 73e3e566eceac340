"""Account actions as an admin's Mastodon client takes them, and what the people on both
sides notice: a silenced artist out of the public timeline and asking to follow, a
sensitive one's media behind a warning, a suspended one signed out, hidden, announced
gone to its followers' servers, and back within 30 days."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from mastodon import Mastodon, MastodonAPIError, MastodonNotFoundError, MastodonUnauthorizedError

from fediserver.clock import utcnow
from fediserver.local_accounts import authenticate, create_api_token, create_local_account
from fediserver.passwords import hash_password
from fediserver.models import Account, Activity, Delivery, Follow, FollowState, MediaAttachment, Post
from fediserver.moderation.account_actions import purge_expired_suspensions
from fediserver.moderation.audit import COMMAND_LINE
from tests.api.conftest import Artist, artwork_jpeg, call
from tests.inbox.support import remote_actor


@pytest.fixture
def make_artist(served):
    async def make(name: str, *, admin: bool = False) -> Artist:
        account = await create_local_account(served.services.urls, name, display_name=name.title(), is_admin=admin)
        scopes = "read write follow admin:read admin:write" if admin else "read write follow"
        token = await create_api_token(name, scopes=scopes)
        return Artist(account, token, Mastodon(access_token=token, api_base_url=served.base_url))

    return make


async def test_the_admin_lists_accounts_with_the_filters_clients_use(served, make_artist):
    mod, ada = await make_artist("mod", admin=True), await make_artist("ada")
    await remote_actor("https://far.example/users/zed")
    everyone = await call(mod.client.admin_accounts_v2)
    assert sorted(a.username for a in everyone) == ["ada", "mod", "zed"]  # never the instance actor
    assert [a.username for a in await call(mod.client.admin_accounts_v2, origin="remote")] == ["zed"]
    assert [a.username for a in await call(mod.client.admin_accounts_v2, permissions="staff")] == ["mod"]
    # (Mastodon.py types the v1 list as one entity; its items are plain dicts.)
    assert [a["username"] for a in await call(mod.client.admin_accounts_v1, remote=True)] == ["zed"]
    assert [a.username for a in await call(mod.client.admin_accounts_v2, by_domain="far.example")] == ["zed"]
    shown = await call(mod.client.admin_account, ada.account.pk)
    assert (shown.username, shown.domain, shown.silenced, shown.suspended) == ("ada", None, False, False)
    assert shown.account.acct == "ada"
    async with httpx.AsyncClient(base_url=served.base_url, headers={"Authorization": f"Bearer {mod.token}"}) as http:
        bad = await http.get("/api/v2/admin/accounts", params={"status": "sleepy"})
        assert bad.status_code == 422 and "status must be one of" in bad.json()["error"]
        unknown = await http.post("/api/v1/admin/accounts/123456/action", data={"type": "silence"})
        assert unknown.status_code == 404
        refused = await http.post(f"/api/v1/admin/accounts/{ada.account.pk}/action", data={"type": "vanish"})
        assert refused.status_code == 422 and "type must be one of" in refused.json()["error"]
        own = await http.post(f"/api/v1/admin/accounts/{mod.account.pk}/action", data={"type": "suspend"})
        assert own.status_code == 422 and "their own account" in own.json()["error"]


async def test_a_silenced_artist_leaves_the_public_timeline_and_asks_to_follow(served, make_artist):
    mod, ada, bea, cy = (await make_artist("mod", admin=True), await make_artist("ada"), await make_artist("bea"),
                         await make_artist("cy"))
    await call(cy.client.account_follow, ada.account.pk)
    await call(ada.client.status_post, "loud and everywhere")
    await call(mod.client.admin_account_moderate, ada.account.pk, action="silence", text="flooding")
    anonymous = Mastodon(api_base_url=served.base_url)
    assert await call(anonymous.timeline_public) == []
    assert [s.content for s in await call(cy.client.timeline_public)] == ["<p>loud and everywhere</p>"]  # cy follows
    assert len(await call(cy.client.timeline_home)) == 1
    assert (await call(ada.client.account_follow, bea.account.pk)).requested is True
    assert [a.acct for a in await call(bea.client.follow_requests)] == ["ada"]
    assert (await call(mod.client.admin_account, ada.account.pk)).silenced is True

    await call(mod.client.admin_account_unsilence, ada.account.pk)
    assert len(await call(anonymous.timeline_public)) == 1


async def test_a_sensitive_artists_media_is_always_behind_a_warning(served, make_artist):
    mod, ada = await make_artist("mod", admin=True), await make_artist("ada")
    media = await call(ada.client.media_post, artwork_jpeg(), mime_type="image/jpeg")
    before = await call(ada.client.status_post, "a study", media_ids=[media.id])
    assert before.sensitive is False
    await call(mod.client.admin_account_moderate, ada.account.pk, action="sensitive")
    assert (await call(ada.client.status, before.id)).sensitive is True
    assert (await call(ada.client.status_post, "words only")).sensitive is False
    await call(mod.client.admin_account_unsensitive, ada.account.pk)
    assert (await call(ada.client.status, before.id)).sensitive is False


async def test_a_suspended_artist_is_signed_out_hidden_and_announced_gone(served, make_artist):
    mod, ada, bea = await make_artist("mod", admin=True), await make_artist("ada"), await make_artist("bea")
    fan = await remote_actor("https://far.example/users/fan")
    await Follow.create(follower=fan, target=ada.account, state=FollowState.ACCEPTED)
    post = await call(ada.client.status_post, "still here")
    ada_web = await create_api_token("ada")
    await Account.filter(id=ada.account.pk).update(password_hash=hash_password("a long pass phrase"))
    assert await authenticate("ada", "a long pass phrase") is not None
    report = await call(bea.client.report, ada.account.pk, status_ids=[post.id], comment="stolen art")

    await call(mod.client.admin_account_moderate, ada.account.pk, action="suspend", report_id=report.id)
    for token in (ada.token, ada_web):
        with pytest.raises(MastodonUnauthorizedError):
            await call(Mastodon(access_token=token, api_base_url=served.base_url).account_verify_credentials)
    for hidden in (bea.client.account_statuses, bea.client.account):
        with pytest.raises(MastodonNotFoundError):
            await call(hidden, ada.account.pk)
    with pytest.raises(MastodonNotFoundError):
        await call(bea.client.status, post.id)
    assert await call(Mastodon(api_base_url=served.base_url).timeline_public) == []
    assert await authenticate("ada", "a long pass phrase") is None  # no signing in on the web
    [closed] = await call(mod.client.admin_reports, resolved=True)
    assert closed.id == report.id and closed.action_taken is True
    delete = await Activity.get(type="Delete", actor=ada.account)
    assert delete.payload["object"] == ada.account.uri
    assert [d.inbox_url for d in await Delivery.filter(activity=delete)] == [fan.shared_inbox_url or fan.inbox_url]
    async with httpx.AsyncClient(base_url=served.base_url) as http:
        actor = await http.get("/users/ada", headers={"Accept": "application/activity+json"})
        assert actor.status_code == 200 and actor.json()["suspended"] is True and actor.json()["name"] == ""
        assert "publicKey" in actor.json()

    restored = await call(mod.client.admin_account_unsuspend, ada.account.pk)
    assert restored.suspended is False
    update = await Activity.get(type="Update", actor=ada.account)
    assert update.payload["object"]["id"] == ada.account.uri
    assert len(await call(Mastodon(api_base_url=served.base_url).timeline_public)) == 1
    with pytest.raises(MastodonUnauthorizedError):  # revoked tokens stay revoked
        await call(ada.client.account_verify_credentials)

    async with httpx.AsyncClient(base_url=served.base_url, headers={"Authorization": f"Bearer {mod.token}"}) as http:
        actions = [e["action"] for e in (await http.get("/api/v1/admin/audit_log")).json()]
    assert actions == ["account.unsuspend", "report.resolve", "account.suspend"]


async def test_a_suspension_older_than_30_days_cannot_be_lifted_and_is_purged(served, make_artist):
    mod, ada, bea = await make_artist("mod", admin=True), await make_artist("ada"), await make_artist("bea")
    media = await call(ada.client.media_post, artwork_jpeg(), mime_type="image/jpeg")
    await call(ada.client.status_post, "old work", media_ids=[media.id])
    await call(bea.client.account_follow, ada.account.pk)
    stored = await MediaAttachment.get(id=media.id)
    store = served.services.media.store
    assert await store.exists(stored.display_key)
    await call(mod.client.admin_account_moderate, ada.account.pk, action="suspend")
    await Account.filter(id=ada.account.pk).update(suspended_at=utcnow() - timedelta(days=31))
    with pytest.raises(MastodonAPIError, match="its data is gone"):
        await call(mod.client.admin_account_unsuspend, ada.account.pk)
    async with httpx.AsyncClient(base_url=served.base_url) as http:
        gone = await http.get("/users/ada", headers={"Accept": "application/activity+json"})
    assert gone.status_code == 410
    assert await Post.filter(account_id=ada.account.pk).count() == 1  # until the purge runs

    purged = await purge_expired_suspensions(COMMAND_LINE, store=store)
    assert [account.username for account in purged] == ["ada"]
    assert not await Post.exists(account_id=ada.account.pk) and not await MediaAttachment.exists(id=media.id)
    assert not await Follow.exists(target_id=ada.account.pk)
    assert not await store.exists(stored.display_key)
    assert (await Account.get(id=ada.account.pk)).suspended  # the name stays taken
    assert await purge_expired_suspensions(COMMAND_LINE, store=store) == []  # nothing left to purge
