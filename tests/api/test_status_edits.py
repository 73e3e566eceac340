"""Editing a status from a client: the new version, its history and source, the Update
sent to the same audience, and the refusals."""

from __future__ import annotations

import httpx
from mastodon import MastodonAPIError, MastodonNotFoundError
import pytest

from fediserver.models import Activity, Notification
from tests.api.conftest import artwork_jpeg, call


async def test_an_artist_edits_a_post_and_its_history_keeps_each_version(served, make_artist, tmp_path):
    ada, bea = await make_artist("ada"), await make_artist("bea")
    picture = tmp_path / "dune.jpg"
    picture.write_bytes(artwork_jpeg((640, 480)))
    media = await call(ada.client.media_post, str(picture), mime_type="image/jpeg", description="dunes")
    status = await call(ada.client.status_post, "Dunes, first state", media_ids=[media], language="en")
    assert status.edited_at is None
    assert [e.content for e in await call(bea.client.status_history, status.id)] == [status.content]
    await call(bea.client.status_reblog, status.id)

    edited = await call(ada.client.status_update, status.id, "Dunes, second state #etching",
                        spoiler_text="sand",
                        media_attributes=[{"id": media.id, "description": "dunes under a low sun"}])
    assert edited.id == status.id and edited.edited_at is not None
    assert "second state" in edited.content and edited.spoiler_text == "sand" and edited.sensitive is True
    assert edited.language == "en" and [t.name for t in edited.tags] == ["etching"]
    assert [(m.id, m.description) for m in edited.media_attachments] == [(media.id, "dunes under a low sun")]

    history = await call(bea.client.status_history, status.id)
    assert ["first state" in v.content for v in history] == [True, False]
    assert [v.spoiler_text for v in history] == ["", "sand"]
    assert [[m.description for m in v.media_attachments] for v in history] == [["dunes"], ["dunes under a low sun"]]
    assert history[0].account.acct == "ada" and history[0].created_at < history[1].created_at
    source = await call(ada.client.status_source, status.id)
    assert (source.text, source.spoiler_text) == ("Dunes, second state #etching", "sand")

    update = await Activity.get(type="Update", object_uri=status.uri)
    assert update.payload["object"]["updated"] and "second state" in update.payload["object"]["content"]
    assert update.payload["to"] == ["https://www.w3.org/ns/activitystreams#Public"]
    assert await Notification.filter(account=bea.account, kind="update").count() == 1

    # Without media_ids the pictures stay; with an empty list (JSON) they go.
    kept = await call(ada.client.status_update, status.id, "Dunes, third state")
    assert [m.id for m in kept.media_attachments] == [media.id]
    answer = await call(httpx.put, f"{served.base_url}/api/v1/statuses/{status.id}",
                        json={"status": "Dunes, text only", "media_ids": [], "language": "fr"},
                        headers={"Authorization": f"Bearer {ada.token}"})
    assert answer.status_code == 200 and answer.json()["media_attachments"] == []
    assert answer.json()["language"] == "fr"
    assert len(await call(bea.client.status_history, status.id)) == 4


async def test_edits_that_cannot_be_made_are_refused_and_change_nothing(served, make_artist):
    ada, bea, cid = await make_artist("ada"), await make_artist("bea"), await make_artist("cid")
    public = await call(ada.client.status_post, "Public sketch")
    secret = await call(ada.client.status_post, "Note to @bea only", visibility="direct")
    boost = await call(bea.client.status_reblog, public.id)
    put = f"{served.base_url}/api/v1/statuses"

    async def edit(artist, status_id, **body):
        return await call(httpx.put, f"{put}/{status_id}", json=body,
                          headers={"Authorization": f"Bearer {artist.token}"})

    answer = await edit(bea, public.id, status="not mine")
    assert answer.status_code == 403 and "only the author" in answer.json()["error"]
    assert (await edit(cid, secret.id, status="hidden from me")).status_code == 404
    assert (await edit(bea, boost.id, status="a boost")).status_code == 422
    assert (await edit(ada, public.id, status="")).status_code == 422  # no text and no media
    answer = await edit(ada, public.id, status="with media", media_ids=["999999"])
    assert answer.status_code == 422 and "999999" in answer.json()["error"]
    answer = await edit(ada, public.id, status="x", media_attributes=[{"id": "abc", "description": "?"}])
    assert answer.status_code == 422
    answer = await edit(ada, public.id, status="x", language="a language of my own")
    assert answer.status_code == 422 and "language code" in answer.json()["error"]
    assert (await edit(ada, "99999999999999999999999", status="x")).status_code == 404
    with pytest.raises(MastodonNotFoundError):
        await call(cid.client.status_history, secret.id)
    with pytest.raises(MastodonAPIError):
        await call(bea.client.status_source, public.id)
    assert (await call(ada.client.status, public.id)).content == public.content
    assert not await Activity.filter(type="Update").exists()
