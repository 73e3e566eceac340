"""Uploads through the whole pipeline and back out through the media route, as a viewer sees them."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from PIL import Image

from fediserver.models import MediaAttachment
from media.derivatives import FocalPoint
from media.intake import MediaRejected
from media.metadata import read_rights
from tests.media import samples
from tests.media.conftest import files_under, pipeline_settings
from tests.media.images import photo_like

GPS_TAG = 0x8825


async def _chunks(data: bytes):
    for start in range(0, len(data), 65536):
        yield data[start : start + 65536]


async def upload(services, artist, data: bytes, **options) -> MediaAttachment:
    return await services.media.accept_upload(artist, _chunks(data), **options)


async def fetch(client, key: str, tmp_path: Path, **headers):
    response = await client.get(f"/media/{key}", headers=headers)
    body = await response.get_data()
    path = tmp_path / key.replace("/", "_")
    path.write_bytes(body)
    return response, body, path


def jpeg_with_gps(size=(640, 480)) -> bytes:
    return samples.encode(photo_like(size), "JPEG", quality=90, exif=samples.gps_exif())


def png_with_alpha_and_gps(size=(300, 200)) -> bytes:
    image = photo_like(size).convert("RGBA")
    image.putalpha(Image.linear_gradient("L").resize(size))
    return samples.encode(image, "PNG", exif=samples.gps_exif())


@pytest.mark.parametrize(
    ("data", "fallback_type"),
    [(jpeg_with_gps(), "image/jpeg"), (png_with_alpha_and_gps(), "image/png")],
    ids=["jpeg", "png-with-alpha"],
)
async def test_every_served_format_has_rights_and_no_gps(services, media_client, artist, tmp_path, data, fallback_type):
    attachment = await upload(services, artist, data, description="a harbour", focal_point=FocalPoint(0.5, -0.25))
    assert (attachment.description, attachment.focal_x, attachment.focal_y) == ("a harbour", 0.5, -0.25)
    assert attachment.blurhash and attachment.sha256 and not attachment.pre_protected and attachment.ai_label is None
    served = {
        attachment.display_key: "image/webp",
        attachment.thumbnail_key: "image/webp",
        attachment.display_fallback_key: fallback_type,
    }
    for key, content_type in served.items():
        response, body, path = await fetch(media_client, key, tmp_path)
        assert response.status_code == 200 and response.content_type == content_type
        assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
        assert "noai" in response.headers["X-Robots-Tag"] and response.headers["tdm-reservation"] == "1"
        assert b"PhoneMaker" not in body
        with Image.open(io.BytesIO(body)) as image:
            assert GPS_TAG not in image.getexif()
        rights = read_rights(path)
        assert rights["data_mining"] == "DMI-PROHIBITED-AIMLTRAINING"
        assert rights["creator"] == "Ada Lovelace (@ada@art.example)"
        assert rights["licensor_url"] == "https://art.example/@ada"
        assert rights["licensor_name"] == "Ada Lovelace (@ada@art.example)"


async def test_the_original_is_kept_but_not_served_by_default(services, media_client, artist, tmp_path):
    attachment = await upload(services, artist, jpeg_with_gps())
    assert await services.media.store.exists(attachment.original_key)
    response, _, _ = await fetch(media_client, attachment.original_key, tmp_path)
    assert response.status_code == 404
    assert services.media_links.media_url(attachment) == f"https://art.example/media/{attachment.display_key}"
    unknown = "ab/cd/abcd" + "0" * 60 + ".webp"
    assert (await media_client.get(f"/media/{unknown}")).status_code == 404
    assert (await media_client.get("/media/../../etc/passwd")).status_code == 404


async def test_originals_are_served_when_the_admin_allows_it(db, data_dir, artist, tmp_path):
    from fediserver.app import create_app

    app = create_app(pipeline_settings(db, data_dir, protection={"serve_originals": True}), manage_database=False, run_jobs=False)
    services = app.config["SERVICES"]
    original = jpeg_with_gps()
    attachment = await upload(services, artist, original)
    response, body, _ = await fetch(app.test_client(), attachment.original_key, tmp_path)
    assert response.status_code == 200 and body == original
    await services.aclose()


async def test_head_and_conditional_requests(services, media_client, artist):
    attachment = await upload(services, artist, jpeg_with_gps())
    head = await media_client.head(f"/media/{attachment.display_key}")
    assert head.status_code == 200 and head.content_type == "image/webp" and head.headers["ETag"]
    assert await head.get_data() == b""
    get = await media_client.get(f"/media/{attachment.display_key}")
    assert int(get.headers["Content-Length"]) == len(await get.get_data()) == attachment.file_size
    again = await media_client.get(f"/media/{attachment.display_key}", headers={"If-None-Match": head.headers["ETag"]})
    assert again.status_code == 304


async def test_derivatives_never_exceed_the_pixel_cap(db, data_dir, artist, tmp_path):
    from fediserver.app import create_app

    settings = pipeline_settings(db, data_dir, protection={"max_federated_pixels": 200_000, "thumbnail_size": 1000})
    services = create_app(settings, manage_database=False, run_jobs=False).config["SERVICES"]
    attachment = await upload(services, artist, samples.encode(photo_like((2400, 1600)), "JPEG"))
    assert (attachment.width, attachment.height) == (2400, 1600)
    for key in (attachment.display_key, attachment.display_fallback_key, attachment.thumbnail_key):
        body = b"".join([chunk async for chunk in await services.media.store.open(key)])
        with Image.open(io.BytesIO(body)) as image:
            assert image.width * image.height <= 200_000
    await services.aclose()


async def test_a_pre_protected_upload_is_served_pixel_for_pixel(services, media_client, artist, tmp_path):
    image = photo_like((320, 240))
    clean = samples.encode(image, "PNG")
    with_private_data = samples.png_insert_after_ihdr(
        clean,
        samples.png_chunk(b"eXIf", samples.gps_exif()),
        samples.png_chunk(b"tEXt", b"Comment\x00painted at home, 12 Rue X"),
    )
    attachment = await upload(services, artist, with_private_data, pre_protected=True, filename="glazed.png")
    assert attachment.pre_protected and attachment.display_key == attachment.thumbnail_key
    response, body, path = await fetch(media_client, attachment.display_key, tmp_path)
    assert response.status_code == 200 and response.content_type == "image/png"
    assert b"12 Rue X" not in body and b"PhoneMaker" not in body
    idat = lambda png: [png[i : i + 8] for i in range(len(png)) if png[i + 4 : i + 8] == b"IDAT"]  # noqa: E731
    assert body[body.index(b"IDAT") :].startswith(clean[clean.index(b"IDAT") :][:4096])
    assert len(idat(body)) == len(idat(clean))
    with Image.open(io.BytesIO(body)) as served:
        assert served.tobytes() == image.tobytes()
    assert read_rights(path)["data_mining"] == "DMI-PROHIBITED-AIMLTRAINING"


async def test_a_pre_protected_jpeg_keeps_its_scan_bytes(services, artist):
    original = jpeg_with_gps((200, 150))
    attachment = await upload(services, artist, original, pre_protected=True)
    body = b"".join([chunk async for chunk in await services.media.store.open(attachment.display_key)])
    scan = original[original.index(b"\xff\xda") :]
    assert body.endswith(scan) and b"PhoneMaker" not in body


async def test_a_pre_protected_image_above_the_pixel_cap_is_refused(services, artist, data_dir):
    big = samples.encode(photo_like((1400, 1300)), "PNG")
    with pytest.raises(MediaRejected) as refusal:
        await upload(services, artist, big, pre_protected=True)
    assert refusal.value.code == "too-many-pixels" and "export it smaller" in refusal.value.message
    assert await MediaAttachment.all().count() == 0
    assert files_under(data_dir) == []


BROKEN_UPLOADS = {
    "pixel-bomb": (samples.with_png_dimensions(samples.encode(samples.picture(), "PNG"), 30_000, 30_000), {}, "too-many-pixels"),
    "truncated": (jpeg_with_gps()[:-4000], {}, "broken-image"),
    # Large enough that the upload's one decode is at half scale: every scan is still read.
    "truncated-large-photo": (jpeg_with_gps((3600, 2400))[:-60_000], {}, "broken-image"),
    "html-named-png": (b"<!doctype html><html><script>alert(1)</script></html>", {"filename": "cat.png"}, "unsupported-type"),
    "png-sent-as-jpeg": (samples.encode(samples.picture(), "PNG"), {"declared_type": "image/jpeg"}, "type-mismatch"),
    "too-many-frames": (samples.animated_gif(301), {}, "too-many-frames"),
}


@pytest.mark.parametrize("name", BROKEN_UPLOADS)
async def test_bad_files_are_refused_and_nothing_is_left(services, artist, data_dir, name):
    data, claims, code = BROKEN_UPLOADS[name]
    with pytest.raises(MediaRejected) as refusal:
        await upload(services, artist, data, **claims)
    assert refusal.value.code == code and refusal.value.message
    assert await MediaAttachment.all().count() == 0
    assert files_under(data_dir) == []


async def test_an_upload_over_the_byte_limit_is_refused(db, data_dir, artist):
    from fediserver.app import create_app

    services = create_app(pipeline_settings(db, data_dir, media={"max_upload_bytes": 20_000}), manage_database=False,
                          run_jobs=False).config["SERVICES"]
    with pytest.raises(MediaRejected) as refusal:
        await upload(services, artist, os.urandom(10) + jpeg_with_gps())
    assert refusal.value.code == "too-large"
    assert files_under(data_dir) == [] and await MediaAttachment.all().count() == 0
    await services.aclose()


async def test_a_store_failing_halfway_leaves_no_orphans(services, artist, data_dir):
    store = services.media.store
    real_put, calls = store.put, []

    async def put_then_fail(key, source, mime):
        # A disk filling up on the third file: not something a test can cause for real.
        calls.append(key)
        if len(calls) == 3:
            raise OSError(28, "No space left on device")
        await real_put(key, source, mime)

    store.put = put_then_fail
    with pytest.raises(OSError):
        await upload(services, artist, jpeg_with_gps())
    assert len(calls) == 3
    assert await MediaAttachment.all().count() == 0
    assert files_under(data_dir) == []


async def test_the_same_image_uploaded_twice_shares_its_files(services, artist):
    data = jpeg_with_gps()
    first = await upload(services, artist, data)
    second = await upload(services, artist, data)
    assert first.id != second.id
    assert (first.display_key, first.original_key) == (second.display_key, second.original_key)


async def _display_pixels(services, attachment) -> bytes:
    body = b"".join([chunk async for chunk in await services.media.store.open(attachment.display_fallback_key)])
    with Image.open(io.BytesIO(body)) as image:
        return image.convert("RGB").tobytes()


async def test_the_instance_watermark_and_the_artists_choice(db, data_dir, artist):
    from fediserver.app import create_app

    plain_services = create_app(pipeline_settings(db, data_dir / "plain"), manage_database=False, run_jobs=False).config["SERVICES"]
    marked = pipeline_settings(db, data_dir, protection={"watermark": {"enabled": True, "text": "ART COLLECTIVE", "opacity": 1.0}})
    services = create_app(marked, manage_database=False, run_jobs=False).config["SERVICES"]
    data = samples.encode(Image.new("RGB", (400, 300), (40, 120, 200)), "PNG")
    plain = await _display_pixels(plain_services, await upload(plain_services, artist, data))
    assert await _display_pixels(services, await upload(services, artist, data)) != plain
    artist.protection_overrides = {"watermark": {"enabled": False}}
    assert await _display_pixels(services, await upload(services, artist, data)) == plain
    # A pre-protected upload is never watermarked.
    artist.protection_overrides = {}
    protected = await upload(services, artist, data, pre_protected=True)
    body = b"".join([chunk async for chunk in await services.media.store.open(protected.display_key)])
    with Image.open(io.BytesIO(body)) as served, Image.open(io.BytesIO(data)) as original:
        assert served.tobytes() == original.tobytes()
    await plain_services.aclose()
    await services.aclose()
