"""The artist's rules travel with the post: licence and do-not-train terms, and only allowed URLs."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from federation.vocab import parse_object
from fediserver.models import Post, Visibility
from outbox.objects import OBJECT_CONTEXT, note_object
from tests.media.test_pipeline_uploads import jpeg_with_gps, upload

LICENCE = "https://creativecommons.org/licenses/by-nc-nd/4.0/"


async def test_a_note_carries_licence_and_data_mining_and_only_derivative_urls(services, artist):
    artist.protection_overrides = {"data_mining": "DMI-PROHIBITED"}
    attachment = await upload(services, artist, jpeg_with_gps(), description="a harbour")
    post = Post(uri="https://art.example/users/ada/statuses/1", content="<p>new work</p>", visibility=Visibility.PUBLIC,
                published_at=datetime(2026, 11, 21, tzinfo=UTC), recipients=[], tags=[], license=LICENCE)
    note = note_object(
        post, artist, [attachment],
        media_url=services.media_links.media_url,
        data_mining=services.media.artist_policy(artist).data_mining,
    )
    vocabulary = "http://ns.useplus.org/ldf/vocab/DMI-PROHIBITED"
    assert (note["license"], note["dataMining"], note["xRobotsTag"]) == (LICENCE, vocabulary, "noai, noimageai")
    [document] = note["attachment"]
    assert document["url"] == f"https://art.example/media/{attachment.display_key}"
    assert (document["license"], document["dataMining"]) == (LICENCE, vocabulary)
    rendered = json.dumps(note)
    assert attachment.original_key not in rendered
    terms = OBJECT_CONTEXT[1]
    assert terms["plus"] == "http://ns.useplus.org/ldf/xmp/1.0/"
    assert terms["dataMining"] == {"@id": "plus:DataMining", "@type": "@id"}
    parsed = parse_object(note)
    assert parsed.license == LICENCE and parsed.attachments[0].url == document["url"]


async def test_refused_and_unfetched_attachments_never_leave(services, artist):
    remote = await upload(services, artist, jpeg_with_gps())
    remote.remote_url, remote.remote_state = "https://other.example/a.jpg", "refused"
    empty = type(remote)(account=artist, mime="image/webp")
    post = Post(uri="https://art.example/users/ada/statuses/2", content="", visibility=Visibility.PUBLIC,
                published_at=datetime(2026, 11, 21, tzinfo=UTC), recipients=[], tags=[])
    note = note_object(post, artist, [remote, empty], media_url=services.media_links.media_url)
    assert note["attachment"] == [] and "dataMining" not in note and "license" not in note


async def test_a_served_post_links_its_display_image_with_the_rights(services, media_client, artist):
    """What another server reads at a post's URL: the display derivative (never the
    original), the licence and the artist's data-mining reservation, on the Note and its image."""
    from fediserver.models import Post
    from tests.media import samples
    from tests.media.images import photo_like

    async def chunks():
        yield samples.encode(photo_like((900, 600)), "JPEG", quality=90)

    attachment = await services.media.accept_upload(artist, chunks(), description="a heron")
    post = await Post.create(uri="pending", account=artist, local=True, content="<p>heron</p>",
                             license="https://creativecommons.org/licenses/by-nc-nd/4.0/",
                             published_at=attachment.created_at)
    post.uri = services.urls.post(artist.username, post.id)
    await post.save()
    attachment.post = post
    await attachment.save()

    path = post.uri.removeprefix(services.urls.base_url)
    response = await media_client.get(path, headers={"Accept": "application/activity+json"})
    note = await response.get_json()
    [image] = note["attachment"]
    assert image["url"].endswith(attachment.display_key) and attachment.original_key not in image["url"]
    assert image["name"] == "a heron" and image["license"] == post.license == note["license"]
    assert note["dataMining"] == image["dataMining"]
    assert note["dataMining"].endswith("DMI-PROHIBITED-AIMLTRAINING")
    served = await media_client.get(image["url"].removeprefix(services.urls.base_url))
    assert served.status_code == 200 and served.headers["Content-Type"] == "image/webp"
