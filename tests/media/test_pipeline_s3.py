"""The pipeline storing into a real SeaweedFS (S3 API) and serving from it."""

from __future__ import annotations

import uuid

import pytest

from fediserver.app import create_app
from media.metadata import read_rights
from tests.media.conftest import pipeline_settings
from tests.media.test_pipeline_uploads import jpeg_with_gps, upload
from tests.media.test_storage_s3 import seaweedfs  # noqa: F401  (the module's SeaweedFS server)


def s3_app(db, data_dir, server, **s3):
    values = {
        "endpoint": server.endpoint,
        "bucket": "media-" + uuid.uuid4().hex[:8],
        "access_key": server.access_key,
        "secret_key": server.secret_key,
        **s3,
    }
    settings = pipeline_settings(db, data_dir, media={"storage": "s3", "s3": values})
    return create_app(settings, manage_database=False, run_jobs=False)


async def test_uploads_are_stored_in_s3_and_served_through_the_app(db, data_dir, artist, seaweedfs, tmp_path):  # noqa: F811
    app = s3_app(db, data_dir, seaweedfs)
    services = app.config["SERVICES"]
    await services.prepare()
    attachment = await upload(services, artist, jpeg_with_gps())
    for key in (attachment.original_key, attachment.display_key, attachment.display_fallback_key, attachment.thumbnail_key):
        assert await services.media.store.exists(key)
    assert not (data_dir / "media").exists()
    response = await app.test_client().get(f"/media/{attachment.display_fallback_key}")
    body = await response.get_data()
    assert response.status_code == 200 and response.content_type == "image/jpeg"
    path = tmp_path / "served.jpg"
    path.write_bytes(body)
    assert read_rights(path)["data_mining"] == "DMI-PROHIBITED-AIMLTRAINING" and b"PhoneMaker" not in body
    assert (await app.test_client().get(f"/media/{attachment.original_key}")).status_code == 404
    await services.aclose()


async def test_a_failed_upload_leaves_nothing_in_the_bucket(db, data_dir, artist, seaweedfs):  # noqa: F811
    from fediserver.models import MediaAttachment

    app = s3_app(db, data_dir, seaweedfs)
    services = app.config["SERVICES"]
    await services.prepare()
    store, real_put, keys = services.media.store, services.media.store.put, []

    async def put_then_fail(key, source, mime):
        keys.append(key)
        if len(keys) == 4:
            raise OSError("connection reset by the storage")  # not something SeaweedFS can be made to do on cue
        await real_put(key, source, mime)

    store.put = put_then_fail
    with pytest.raises(OSError):
        await upload(services, artist, jpeg_with_gps())
    store.put = real_put
    assert len(keys) == 4 and await MediaAttachment.all().count() == 0
    for key in keys:
        assert not await store.exists(key)
    await services.aclose()


async def test_media_urls_use_the_public_url(db, data_dir, artist, seaweedfs):  # noqa: F811
    app = s3_app(db, data_dir, seaweedfs, public_url="https://cdn.art.example/media")
    services = app.config["SERVICES"]
    await services.prepare()
    attachment = await upload(services, artist, jpeg_with_gps())
    assert services.media_links.media_url(attachment) == f"https://cdn.art.example/media/{attachment.display_key}"
    await services.aclose()
