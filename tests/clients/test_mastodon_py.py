"""Mastodon.py signs in through OAuth like an app does, then uses the account."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest
from mastodon import Mastodon, MastodonAPIError, MastodonIllegalArgumentError, MastodonUnauthorizedError

from tests.api.conftest import artwork_jpeg
from tests.clients.running_instance import Browser

REDIRECT = "http://127.0.0.1:9/after-sign-in"
SCOPES = ["read", "write", "follow", "push"]


def test_mastodon_py_registers_signs_in_posts_and_signs_out(running):
    client_id, client_secret = Mastodon.create_app(
        "Mastodon.py sketchbook", scopes=SCOPES, redirect_uris=[REDIRECT, "urn:ietf:wg:oauth:2.0:oob"],
        website="https://sketchbook.example", api_base_url=running.base_url,
    )
    api = Mastodon(client_id=client_id, client_secret=client_secret, api_base_url=running.base_url)
    url = api.auth_request_url(redirect_uris=REDIRECT, scopes=SCOPES, state="opaque-state", allow_http=True)
    assert url.startswith(f"{running.base_url}/oauth/authorize?")  # from the RFC 8414 metadata

    answer = Browser().authorize(url, "ada")
    assert answer.status_code == 302 and answer.headers["Location"].startswith(f"{REDIRECT}?code=")
    assert "state=opaque-state" in answer.headers["Location"]
    code = answer.headers["Location"].split("code=")[1].split("&")[0]

    token = api.log_in(code=code, redirect_uri=REDIRECT, scopes=SCOPES, allow_http=True)
    assert token and api.access_token == token
    me = api.account_verify_credentials()
    assert me.username == "ada" and me.acct == "ada"
    status = api.status_post("Posted from Mastodon.py after signing in with OAuth")
    assert status.account.username == "ada"
    assert status.id in [s.id for s in api.timeline_home()]
    assert api.app_verify_credentials().name == "Mastodon.py sketchbook"

    # Statuses in depth: an edit and its history, a pin, a bookmark, a poll voted on.
    edited = api.status_update(status.id, "Edited from Mastodon.py", spoiler_text="draft")
    assert edited.edited_at is not None and "Edited" in edited.content and edited.spoiler_text == "draft"
    assert ["Posted from" in version.content for version in api.status_history(status.id)] == [True, False]
    assert api.status_source(status.id).text == "Edited from Mastodon.py"
    assert api.status_pin(status.id).pinned is True
    assert [s.id for s in api.account_statuses(me.id, pinned=True)] == [status.id]
    assert api.status_bookmark(status.id).bookmarked is True
    assert [s.id for s in api.bookmarks()] == [status.id]
    asked = api.status_post("Which paper?", poll=api.make_poll(["cotton", "pulp"], expires_in=600))
    voted = api.poll_vote(asked.poll.id, [0])
    assert voted.voted is True and voted.own_votes == [0] and [o.votes_count for o in voted.options] == [1, 0]

    # The same code cannot be used twice.
    with pytest.raises(MastodonIllegalArgumentError, match="invalid_grant"):
        Mastodon(client_id=client_id, client_secret=client_secret, api_base_url=running.base_url).log_in(
            code=code, redirect_uri=REDIRECT, scopes=SCOPES, allow_http=True)

    api.revoke_access_token(allow_http=True)
    with pytest.raises(MastodonUnauthorizedError):
        Mastodon(access_token=token, api_base_url=running.base_url).account_verify_credentials()


def test_mastodon_py_out_of_band_with_narrower_scopes(running):
    client_id, client_secret = Mastodon.create_app(
        "Reader", scopes=["read", "write"], api_base_url=running.base_url,
    )
    api = Mastodon(client_id=client_id, client_secret=client_secret, api_base_url=running.base_url)
    url = api.auth_request_url(scopes=["read"], allow_http=True)
    code = Browser().code_for(url, "ada")
    api.log_in(code=code, scopes=["read"], allow_http=True)
    assert api.account_verify_credentials().username == "ada"
    with pytest.raises(MastodonAPIError) as refused:
        api.status_post("a read token cannot post")
    assert "outside the authorized scopes" in str(refused.value)


def _signed_in(running, username: str) -> Mastodon:
    client_id, client_secret = Mastodon.create_app("Studio companion", scopes=SCOPES, api_base_url=running.base_url)
    api = Mastodon(client_id=client_id, client_secret=client_secret, api_base_url=running.base_url)
    code = Browser().code_for(api.auth_request_url(scopes=SCOPES, allow_http=True), username)
    api.log_in(code=code, scopes=SCOPES, allow_http=True)
    return api


def test_mastodon_py_keeps_the_artist_s_profile_lists_filters_and_distance(running):
    running.create_artist("bea")
    ada, bea = _signed_in(running, "ada"), _signed_in(running, "bea")
    me = ada.account_update_credentials(
        display_name="Ada Ink", note="Linocuts", fields=[("Shop", "https://ada.example")], default_privacy="unlisted",
        avatar=io.BytesIO(artwork_jpeg((300, 300))), avatar_mime_type="image/jpeg",
    )
    assert (me.display_name, me.fields[0].name, me.source.privacy) == ("Ada Ink", "Shop", "unlisted")
    assert me.avatar.startswith(running.base_url) and ada.preferences()["posting:default:visibility"] == "unlisted"

    bea_id = bea.account_verify_credentials().id
    ada.account_follow(bea_id)
    news = bea.status_post("spoiler: the print sold out")
    printers = ada.list_create("Printmakers")
    ada.list_accounts_add(printers, [bea_id])
    assert [s.id for s in ada.timeline_list(printers)] == [news.id]
    assert [a.id for a in ada.list_accounts(printers)] == [bea_id]

    ada.create_filter_v2("Spoilers", ["home"], "warn", keywords_attributes=[{"keyword": "spoiler"}])
    [filtered] = ada.timeline_home()[0].filtered
    assert filtered.filter.title == "Spoilers" and filtered.keyword_matches == ["spoiler"]

    ada.markers_set("home", news.id)
    assert ada.markers_get("home")["home"].last_read_id == str(news.id)

    assert ada.account_mute(bea_id, duration=600).muting is True
    assert news.id not in [s.id for s in ada.timeline_home()]
    assert [a.id for a in ada.mutes()] == [bea_id]
    ada.account_unmute(bea_id)
    blocked = ada.account_block(bea_id)
    assert (blocked.blocking, blocked.following) == (True, False)
    assert [a.id for a in ada.blocks()] == [bea_id] and ada.timeline_home() == []
    assert ada.account_unblock(bea_id).blocking is False


def test_mastodon_py_schedules_a_status_on_the_running_server(running):
    ada = _signed_in(running, "ada")
    media = ada.media_post(io.BytesIO(artwork_jpeg((300, 200))), mime_type="image/jpeg", description="a kiln")
    when = datetime.now(UTC).replace(microsecond=0) + timedelta(days=1)
    scheduled = ada.status_post("Kiln opening", media_ids=[media], scheduled_at=when)
    assert scheduled.scheduled_at == when and scheduled.params.text == "Kiln opening"
    assert scheduled.params.application_id is not None  # the app that asked
    assert [m["id"] for m in scheduled.media_attachments] == [media.id]
    assert [s.id for s in ada.scheduled_statuses()] == [scheduled.id]
    assert ada.account_statuses(ada.account_verify_credentials().id) == []

    moved = ada.scheduled_status_update(scheduled.id, when + timedelta(hours=3))
    assert ada.scheduled_status(scheduled.id).scheduled_at == moved.scheduled_at == when + timedelta(hours=3)
    with pytest.raises(MastodonAPIError, match="at least 5 minutes"):
        ada.status_post("too soon", scheduled_at=datetime.now(UTC) + timedelta(minutes=2))
    ada.scheduled_status_delete(scheduled.id)
    assert ada.scheduled_statuses() == []
    assert [m.id for m in ada.status_post("Kiln opened", media_ids=[media]).media_attachments] == [media.id]
