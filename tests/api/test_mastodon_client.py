"""The client API as a real Mastodon client library (Mastodon.py) sees it, over HTTP."""

from __future__ import annotations

import io

import requests
from mastodon import Mastodon, MastodonAPIError, MastodonNotFoundError, MastodonUnauthorizedError
from PIL import Image

from fediserver.models import Account, Activity, Delivery, MediaAttachment
from outbox.objects import DATA_MINING_VOCABULARY
from tests.api.conftest import artwork_jpeg, call
from tests.media import samples


async def test_an_artist_posts_artwork_and_others_react(served, make_artist, tmp_path):
    ada, bea = await make_artist("ada"), await make_artist("bea")
    me = await call(ada.client.account_verify_credentials)
    assert (me.id, me.acct, me.username) == (str(ada.account.pk), "ada", "ada")
    assert me.source.note == ""

    picture = tmp_path / "harbour.jpg"
    picture.write_bytes(artwork_jpeg((900, 600)))
    media = await call(
        ada.client.media_post, str(picture), mime_type="image/jpeg",
        description="A harbour at dusk, ink and watercolour", focus=(0.25, -0.5),
    )
    assert media.type == "image"
    assert media.description == "A harbour at dusk, ink and watercolour"
    assert (media.meta.original.width, media.meta.original.height) == (900, 600)
    assert media.meta.small.width <= 400 and media.meta.small.height <= 400
    assert (media.meta.focus.x, media.meta.focus.y) == (0.25, -0.5)
    assert media.blurhash
    served_image = await call(requests.get, media.url)
    assert served_image.status_code == 200 and served_image.headers["content-type"].startswith("image/")

    status = await call(ada.client.status_post, "Harbour study #ink", media_ids=[media], language="en")
    assert status.account.acct == "ada"
    assert status.visibility == "public" and status.language == "en"
    assert [m.id for m in status.media_attachments] == [media.id]
    assert status.media_attachments[0].url == media.url
    assert [t.name for t in status.tags] == ["ink"]
    assert status.created_at is not None and isinstance(status.id, str)

    # The Create queued for delivery carries the display image, its alt text and the reservation.
    create = await Activity.get(type="Create", object_uri=status.uri)
    [attachment] = create.payload["object"]["attachment"]
    assert attachment["url"] == media.url
    assert attachment["name"] == "A harbour at dusk, ink and watercolour"
    assert attachment["dataMining"].startswith(DATA_MINING_VOCABULARY)

    assert (await call(ada.client.status, status.id)).content == status.content
    assert status.id in [s.id for s in await call(ada.client.timeline_home)]
    assert status.id in [s.id for s in await call(bea.client.timeline_public, local=True)]
    assert status.id not in [s.id for s in await call(bea.client.timeline_home)]

    relationship = await call(bea.client.account_follow, ada.account.pk)
    assert relationship.following is True and relationship.id == str(ada.account.pk)
    assert status.id in [s.id for s in await call(bea.client.timeline_home)]
    profile = await call(bea.client.account, ada.account.pk)
    assert (profile.followers_count, profile.following_count, profile.statuses_count) == (1, 0, 1)
    assert profile.last_status_at is not None

    favourited = await call(bea.client.status_favourite, status.id)
    assert favourited.favourited is True and favourited.favourites_count == 1
    boost = await call(bea.client.status_reblog, status.id)
    assert boost.reblog.id == status.id and boost.account.acct == "bea"
    home = await call(bea.client.timeline_home)
    assert home[0].id == boost.id and home[0].reblog.id == status.id

    notifications = await call(ada.client.notifications)
    assert [(n.type, n.account.acct) for n in notifications] == [
        ("reblog", "bea"), ("favourite", "bea"), ("follow", "bea")
    ]
    assert notifications[1].status.id == status.id

    assert (await call(bea.client.status_unfavourite, status.id)).favourited is False
    assert (await call(bea.client.status_unreblog, status.id)).reblogged is False

    deleted = await call(ada.client.status_delete, status.id)
    assert deleted.id == status.id and deleted.text == "Harbour study #ink"
    try:
        await call(ada.client.status, status.id)
        raise AssertionError("a deleted status is still shown")
    except MastodonNotFoundError:
        pass
    assert status.id not in [s.id for s in await call(ada.client.timeline_home)]
    assert await Activity.filter(type="Delete", object_uri=status.uri).exists()


async def test_following_a_stored_remote_account_queues_the_follow(served, make_artist):
    ada = await make_artist("ada")
    dora = await Account.create(
        username="dora", domain="remote.example", uri="https://remote.example/users/dora",
        url="https://remote.example/@dora", inbox_url="https://remote.example/users/dora/inbox",
    )
    found = await call(ada.client.account_lookup, "dora@remote.example")
    assert (found.id, found.acct) == (str(dora.pk), "dora@remote.example")

    relationship = await call(ada.client.account_follow, found.id)
    assert relationship.requested is True and relationship.following is False
    delivery = await Delivery.get(inbox_url="https://remote.example/users/dora/inbox").select_related("activity")
    assert delivery.activity.type == "Follow"
    assert delivery.activity.payload["object"] == dora.uri
    assert delivery.activity.payload["actor"] == ada.account.uri

    relationship = await call(ada.client.account_unfollow, found.id)
    assert relationship.requested is False
    assert await Activity.filter(type="Undo", actor=ada.account).exists()


async def test_lookup_and_account_of_local_artists(served, make_artist):
    ada = await make_artist("ada")
    assert (await call(ada.client.account_lookup, "ada")).id == str(ada.account.pk)
    assert (await call(ada.client.account_lookup, f"ada@{served.domain}")).id == str(ada.account.pk)
    assert (await call(ada.client.account, ada.account.pk)).acct == "ada"
    try:
        await call(ada.client.account_lookup, "nobody@remote.example")
        raise AssertionError("an unknown account was found")
    except MastodonNotFoundError as error:
        assert "not found" in str(error)


async def test_requests_without_a_valid_token_are_refused(served, make_artist):
    await make_artist("ada")
    anonymous = Mastodon(api_base_url=served.base_url)
    for client, reason in ((anonymous, "missing"), (Mastodon(access_token="not-a-token", api_base_url=served.base_url), "invalid")):
        try:
            await call(client.account_verify_credentials)
            raise AssertionError("the API answered without a valid token")
        except MastodonUnauthorizedError as error:
            assert reason in str(error)
    response = await call(requests.get, f"{served.base_url}/api/v1/timelines/home")
    assert response.status_code == 401 and "error" in response.json()


async def test_an_ai_generated_upload_is_refused_with_the_reason(served, make_artist, tmp_path):
    ada = await make_artist("ada")
    generated = tmp_path / "generated.jpg"
    generated.write_bytes(
        samples.encode(samples.picture((120, 80)), "JPEG", xmp=samples.xmp_with_source_type("trainedAlgorithmicMedia"))
    )
    try:
        await call(ada.client.media_post, str(generated), mime_type="image/jpeg", description="made by a model")
        raise AssertionError("an AI-generated upload was accepted")
    except MastodonAPIError as error:
        assert "rejected" in str(error) and "trainedAlgorithmicMedia" in str(error)
    assert await MediaAttachment.all().count() == 0


async def test_bad_requests_get_clear_errors_and_store_nothing(served, make_artist, tmp_path):
    ada, bea = await make_artist("ada"), await make_artist("bea")
    picture = tmp_path / "study.jpg"
    picture.write_bytes(artwork_jpeg((300, 200)))
    bea_media = await call(bea.client.media_post, str(picture), mime_type="image/jpeg")
    for kwargs, reason in (
        ({"status": "", "media_ids": None}, "needs text or media"),
        ({"status": "hi", "media_ids": [bea_media.id]}, "not found among your uploads"),
    ):
        try:
            await call(ada.client.status_post, **kwargs)
            raise AssertionError(f"{kwargs} was accepted")
        except MastodonAPIError as error:
            assert reason in str(error)
    refused = await call(
        requests.post, f"{served.base_url}/api/v1/statuses",
        data={"status": "hi", "visibility": "everyone"}, headers={"Authorization": f"Bearer {ada.token}"},
    )
    assert refused.status_code == 422 and "visibility 'everyone'" in refused.json()["error"]
    not_an_image = tmp_path / "notes.jpg"
    not_an_image.write_bytes(b"%PDF-1.7 not a picture at all")
    try:
        await call(ada.client.media_post, str(not_an_image), mime_type="image/jpeg")
        raise AssertionError("a PDF was accepted as an image")
    except MastodonAPIError as error:
        assert "422" in str(error) and "not a supported image" in str(error)
    assert await call(ada.client.timeline_home) == []
    assert await MediaAttachment.filter(account=ada.account).count() == 0


async def test_media_description_and_focus_can_be_changed_before_posting(served, make_artist, tmp_path):
    ada = await make_artist("ada")
    picture = tmp_path / "study.jpg"
    picture.write_bytes(artwork_jpeg((300, 200)))
    media = await call(ada.client.media_post, str(picture), mime_type="image/jpeg")
    assert media.description is None
    updated = await call(ada.client.media_update, media.id, description="Charcoal study", focus=(-1, 1))
    assert updated.description == "Charcoal study" and (updated.meta.focus.x, updated.meta.focus.y) == (-1, 1)
    await call(ada.client.status_post, "Study", media_ids=[media.id])
    try:
        await call(ada.client.media_update, media.id, description="changed later")
        raise AssertionError("attached media was changed")
    except MastodonAPIError as error:
        assert "already attached" in str(error)


async def test_home_timeline_pages_newest_first(served, make_artist):
    ada = await make_artist("ada")
    posted = [await call(ada.client.status_post, f"sketch {n}") for n in range(5)]
    newest_first = [s.id for s in reversed(posted)]
    first = await call(ada.client.timeline_home, limit=2)
    assert [s.id for s in first] == newest_first[:2]
    second = await call(ada.client.fetch_next, first)
    assert [s.id for s in second] == newest_first[2:4]
    newer = await call(ada.client.fetch_previous, second)
    assert [s.id for s in newer] == newest_first[:2]
    assert [s.id for s in await call(ada.client.timeline_home, since_id=posted[2].id)] == newest_first[:2]
    assert [s.id for s in await call(ada.client.timeline_home, min_id=posted[0].id, limit=2)] == [posted[2].id, posted[1].id]


async def test_idempotency_key_returns_the_first_post(served, make_artist):
    ada = await make_artist("ada")
    first = await call(ada.client.status_post, "only once", idempotency_key="abc-1")
    again = await call(ada.client.status_post, "only once", idempotency_key="abc-1")
    assert again.id == first.id
    assert len(await call(ada.client.timeline_home)) == 1


async def test_instance_endpoints_describe_the_server(served, make_artist):
    ada = await make_artist("ada")
    v1 = await call(ada.client.instance_v1)
    assert v1.uri == served.domain and "fediserver" in v1.version
    assert v1.configuration.statuses.max_characters > 0
    v2 = await call(ada.client.instance_v2)
    assert v2.domain == served.domain and "image/jpeg" in v2.configuration.media_attachments.supported_mime_types


async def test_unknown_endpoints_answer_in_the_api_error_shape(served):
    response = await call(requests.get, f"{served.base_url}/api/v1/no_such_endpoint")
    assert response.status_code == 404 and "no such endpoint" in response.json()["error"]
    response = await call(requests.get, f"{served.base_url}/api/v1/statuses/abc")
    assert response.status_code == 404 and response.json() == {"error": "Record not found"}


async def test_a_pre_protected_upload_is_served_with_its_pixels_untouched(served, make_artist):
    ada = await make_artist("ada")
    original = samples.picture((160, 120))
    response = await call(
        requests.post, f"{served.base_url}/api/v2/media",
        files={"file": ("glazed.png", samples.encode(original, "PNG"), "image/png")},
        data={"description": "Glazed portrait", "pre_protected": "true"},
        headers={"Authorization": f"Bearer {ada.token}"},
    )
    assert response.status_code == 200, response.text
    media = response.json()
    assert media["meta"]["original"]["size"] == media["meta"]["small"]["size"] == "160x120"
    served_file = await call(requests.get, media["url"])
    assert list(Image.open(io.BytesIO(served_file.content)).get_flattened_data()) == list(original.get_flattened_data())


async def test_followers_only_posts_are_shown_only_to_followers(served, make_artist):
    ada, bea, cy = await make_artist("ada"), await make_artist("bea"), await make_artist("cy")
    await call(bea.client.account_follow, ada.account.pk)
    private = await call(ada.client.status_post, "for my followers", visibility="private")
    assert (await call(bea.client.status, private.id)).visibility == "private"
    assert private.id in [s.id for s in await call(bea.client.timeline_home)]
    try:
        await call(cy.client.status, private.id)
        raise AssertionError("a followers-only post was shown to a stranger")
    except MastodonNotFoundError:
        pass
    assert private.id not in [s.id for s in await call(cy.client.timeline_public)]


async def test_an_accounts_posts_as_each_reader_may_see_them(served, make_artist, tmp_path):
    ada, bea, cy = await make_artist("ada"), await make_artist("bea"), await make_artist("cy")
    await call(bea.client.account_follow, ada.account.pk)
    picture = tmp_path / "study.jpg"
    picture.write_bytes(artwork_jpeg((300, 200)))
    media = await call(ada.client.media_post, str(picture), mime_type="image/jpeg")
    public = await call(ada.client.status_post, "public study", media_ids=[media])
    private = await call(ada.client.status_post, "for followers", visibility="private")
    direct = await call(ada.client.status_post, "just a note to myself", visibility="direct")
    await call(ada.client.status_reblog, (await call(bea.client.status_post, "bea's work")).id)

    own = [s.id for s in await call(ada.client.account_statuses, ada.account.pk)]
    assert own[1:] == [direct.id, private.id, public.id] and len(own) == 4
    assert [s.id for s in await call(bea.client.account_statuses, ada.account.pk, exclude_reblogs=True)] == [
        private.id, public.id
    ]
    assert [s.id for s in await call(cy.client.account_statuses, ada.account.pk, exclude_reblogs=True)] == [public.id]
    assert [s.id for s in await call(cy.client.account_statuses, ada.account.pk, only_media=True)] == [public.id]


async def test_an_upload_over_the_request_limit_is_refused_in_the_api_error_shape(served, make_artist):
    ada = await make_artist("ada")
    served.app.config["MAX_CONTENT_LENGTH"] = 64 * 1024
    response = await call(
        requests.post, f"{served.base_url}/api/v2/media",
        files={"file": ("big.jpg", artwork_jpeg((1200, 900)), "image/jpeg")},
        headers={"Authorization": f"Bearer {ada.token}"},
    )
    assert response.status_code == 413 and response.json()["error"]
    assert await MediaAttachment.all().count() == 0


async def test_a_reply_with_a_mention_and_content_warning(served, make_artist):
    ada, bea = await make_artist("ada"), await make_artist("bea")
    original = await call(ada.client.status_post, "Finished the triptych")
    reply = await call(
        bea.client.status_post, "@ada the middle panel!", in_reply_to_id=original.id,
        spoiler_text="art talk", language="en",
    )
    assert (reply.in_reply_to_id, reply.in_reply_to_account_id) == (original.id, str(ada.account.pk))
    assert reply.sensitive is True and reply.spoiler_text == "art talk"
    assert [(m.id, m.acct) for m in reply.mentions] == [(str(ada.account.pk), "ada")]
    assert (await call(ada.client.status, original.id)).replies_count == 1
    [mention] = await call(ada.client.notifications, types=["mention"])
    assert (mention.account.acct, mention.status.id) == ("bea", reply.id)
