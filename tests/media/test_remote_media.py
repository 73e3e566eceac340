"""Remote media fetched from a real loopback server: checked, cached within budget, pruned, proxied."""

from __future__ import annotations

import asyncio
import io
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest
from PIL import Image

from fediserver.models import Account, MediaAttachment
from media.remote import RemoteMediaJob
from tests.federation.loopback_server import LoopbackServer, Reply
from tests.media import samples
from tests.media.conftest import files_under, pipeline_settings
from tests.media.images import photo_like


def remote_jpeg(seed: int, size=(600, 400)) -> bytes:
    image = photo_like(size)
    image.putpixel((seed, 0), (seed % 256, 0, 0))
    creator = '<dc:creator xmlns:dc="http://purl.org/dc/elements/1.1/">Someone Else</dc:creator>'
    return samples.encode(image, "JPEG", quality=90, exif=samples.gps_exif(), xmp=samples.xmp_with_source_type("digitalCapture", creator))


def ai_jpeg() -> bytes:
    return samples.encode(samples.picture(), "JPEG", xmp=samples.xmp_with_source_type("trainedAlgorithmicMedia"))


def remote_app(db, data_dir, **media):
    from fediserver.app import create_app

    settings = pipeline_settings(db, data_dir, federation={"allow_private_addresses": True}, media=media)
    return create_app(settings, manage_database=False, run_jobs=False)


@pytest.fixture
async def peer():
    images = {f"/media/{n}.jpg": Reply(200, {"content-type": "image/jpeg"}, remote_jpeg(n)) for n in range(4)}
    images["/media/ai.jpg"] = Reply(200, {"content-type": "image/jpeg"}, ai_jpeg())
    images["/media/gone.jpg"] = Reply(404, body=b"gone")
    async with LoopbackServer(images) as server:
        yield server


@pytest.fixture
async def bob(db) -> Account:
    return await Account.create(username="bob", domain="other.example", uri="https://other.example/users/bob")


async def remote_attachment(bob, peer, name: str) -> MediaAttachment:
    return await MediaAttachment.create(account=bob, remote_url=f"{peer.base}/media/{name}", mime="image/jpeg")


def fetches(peer, name: str) -> int:
    return sum(1 for request in peer.received if request.target == f"/media/{name}")


async def drain(services) -> None:
    job = RemoteMediaJob(services.remote_media)
    while await job.run_once():
        pass


async def test_fetched_cached_and_served_without_the_originals_metadata(db, data_dir, peer, bob):
    app = remote_app(db, data_dir)
    services, client = app.config["SERVICES"], app.test_client()
    attachment = await remote_attachment(bob, peer, "0.jpg")
    await drain(services)
    await attachment.refresh_from_db()
    assert attachment.remote_state == "cached" and attachment.cached_at and attachment.file_size > 0
    assert (attachment.width, attachment.height) == (600, 400) and attachment.blurhash
    # Only what a URL reaches is stored (no fallback), and the budget counts exactly that.
    assert attachment.display_fallback_key is None
    stored = [path for path in files_under(data_dir / "media") if not path.name.startswith(".")]
    assert sorted(p.name.split(".")[0] for p in stored) == sorted(
        key.rsplit("/", 1)[1].split(".")[0] for key in {attachment.display_key, attachment.thumbnail_key})
    assert attachment.file_size == sum(path.stat().st_size for path in stored)
    url = services.media_links.media_url(attachment)
    assert url == f"https://art.example/media/remote/{attachment.id}/display"
    before = attachment.last_accessed_at
    response = await client.get(f"/media/remote/{attachment.id}/display")
    body = await response.get_data()
    assert response.status_code == 200 and response.content_type == "image/webp"
    assert b"Someone Else" not in body and b"PhoneMaker" not in body and b"<x:xmpmeta" not in body
    with Image.open(io.BytesIO(body)) as image:
        assert image.size == (600, 400) and 0x8825 not in image.getexif()
    assert "noai" in response.headers["X-Robots-Tag"]
    await attachment.refresh_from_db()
    assert attachment.last_accessed_at > before
    assert fetches(peer, "0.jpg") == 1
    thumbnail = await client.get(f"/media/remote/{attachment.id}/thumbnail")
    assert thumbnail.status_code == 200
    await services.aclose()


async def test_ai_marked_remote_media_is_refused_under_reject(db, data_dir, peer, bob):
    from fediserver.app import create_app

    settings = pipeline_settings(db, data_dir, federation={"allow_private_addresses": True},
                                 protection={"ai_generated_remote": "reject"})
    app = create_app(settings, manage_database=False, run_jobs=False)
    services = app.config["SERVICES"]
    attachment = await remote_attachment(bob, peer, "ai.jpg")
    await drain(services)
    await attachment.refresh_from_db()
    assert attachment.remote_state == "refused" and "trainedAlgorithmicMedia" in attachment.refused_reason
    assert services.media_links.media_url(attachment) is None
    response = await app.test_client().get(f"/media/remote/{attachment.id}/display")
    assert response.status_code == 404 and "trainedAlgorithmicMedia" in await response.get_data(as_text=True)
    assert fetches(peer, "ai.jpg") == 1  # a refusal is remembered, not fetched again
    assert files_under(data_dir) == []
    await services.aclose()


async def test_ai_marked_remote_media_is_labelled_by_default(db, data_dir, peer, bob):
    app = remote_app(db, data_dir)
    attachment = await remote_attachment(bob, peer, "ai.jpg")
    await drain(app.config["SERVICES"])
    await attachment.refresh_from_db()
    assert attachment.remote_state == "cached" and "trainedAlgorithmicMedia" in attachment.ai_label
    await app.config["SERVICES"].aclose()


async def test_an_unreachable_file_is_marked_failed_with_the_reason(db, data_dir, peer, bob):
    app = remote_app(db, data_dir)
    attachment = await remote_attachment(bob, peer, "gone.jpg")
    await drain(app.config["SERVICES"])
    await attachment.refresh_from_db()
    assert attachment.remote_state == "failed" and "404" in attachment.refused_reason
    response = await app.test_client().get(f"/media/remote/{attachment.id}/display")
    assert response.status_code == 404
    await app.config["SERVICES"].aclose()


async def test_a_declared_video_that_is_no_video_is_refused(db, data_dir, peer, bob):
    app = remote_app(db, data_dir)
    attachment = await MediaAttachment.create(account=bob, remote_url=f"{peer.base}/media/0.jpg", mime="video/mp4")
    await drain(app.config["SERVICES"])
    await attachment.refresh_from_db()
    assert attachment.remote_state == "failed" and "no audio or video" in attachment.refused_reason
    response = await app.test_client().get(f"/media/remote/{attachment.id}/display")
    assert response.status_code == 404
    await app.config["SERVICES"].aclose()


async def test_a_file_of_no_declared_type_is_not_fetched(db, data_dir, peer, bob):
    app = remote_app(db, data_dir)
    attachment = await MediaAttachment.create(account=bob, remote_url=f"{peer.base}/media/0.jpg", mime="")
    await drain(app.config["SERVICES"])
    await attachment.refresh_from_db()
    assert attachment.remote_state == "failed" and "undeclared" in attachment.refused_reason
    assert fetches(peer, "0.jpg") == 0
    await app.config["SERVICES"].aclose()


async def test_the_cache_stays_in_budget_evicting_the_least_recently_viewed(db, data_dir, peer, bob):
    probe = remote_app(db, data_dir)
    first = await remote_attachment(bob, peer, "0.jpg")
    await drain(probe.config["SERVICES"])
    await first.refresh_from_db()
    one_set = first.file_size
    await probe.config["SERVICES"].aclose()

    app = remote_app(db, data_dir, remote_cache_bytes=int(one_set * 2.5))
    services, client = app.config["SERVICES"], app.test_client()
    second = await remote_attachment(bob, peer, "1.jpg")
    await drain(services)
    assert (await client.get(f"/media/remote/{first.id}/display")).status_code == 200  # first is now the fresher
    third = await remote_attachment(bob, peer, "2.jpg")
    await drain(services)
    states = {row.id: row.remote_state for row in await MediaAttachment.all()}
    assert states == {first.id: "cached", second.id: "evicted", third.id: "cached"}
    assert await services.remote_media.cached_bytes() <= int(one_set * 2.5)
    await second.refresh_from_db()
    assert second.display_key is None

    # Asked for again, the evicted file is fetched, checked and stored anew.
    response = await client.get(f"/media/remote/{second.id}/display")
    assert response.status_code == 200 and response.content_type == "image/webp"
    assert fetches(peer, "1.jpg") == 2
    await second.refresh_from_db()
    assert second.remote_state == "cached" and await services.media.store.exists(second.display_key)
    assert await services.remote_media.cached_bytes() <= int(one_set * 2.5)
    await services.aclose()


async def test_prune_command_removes_files_not_viewed_recently(db, data_dir, peer, bob, tmp_path):
    app = remote_app(db, data_dir)
    services = app.config["SERVICES"]
    old, recent = await remote_attachment(bob, peer, "0.jpg"), await remote_attachment(bob, peer, "1.jpg")
    await drain(services)
    await MediaAttachment.filter(id=old.id).update(last_accessed_at=datetime.now(UTC) - timedelta(days=40))
    await old.refresh_from_db()
    old_keys = [old.display_key, old.thumbnail_key]
    config = tmp_path / "config.toml"
    config.write_text(
        f'[instance]\ndomain = "art.example"\ndata_dir = "{data_dir}"\n[database]\nurl = "{db}"\n'
    )
    result = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "fediserver.cli", "--config", str(config), "media", "prune", "--older-than", "30"],
        capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert f"{peer.base}/media/0.jpg" in result.stdout and "removed 1 cached file set(s)" in result.stdout
    states = {row.id: row.remote_state for row in await MediaAttachment.all()}
    assert states == {old.id: "evicted", recent.id: "cached"}
    for key in old_keys:
        assert not await services.media.store.exists(key)
    await services.aclose()


async def test_prune_under_a_smaller_budget(db, data_dir, peer, bob):
    app = remote_app(db, data_dir)
    remote = app.config["SERVICES"].remote_media
    for name in ("0.jpg", "1.jpg", "2.jpg"):
        await remote_attachment(bob, peer, name)
    await drain(app.config["SERVICES"])
    total = await remote.cached_bytes()
    result = await remote.prune(budget=total // 2)
    assert result.files_removed >= 1 and result.cached_bytes_left <= total // 2
    assert result.cached_bytes_left == await remote.cached_bytes()
    await app.config["SERVICES"].aclose()


async def test_proxy_mode_stores_nothing_and_checks_every_view(db, data_dir, peer, bob):
    app = remote_app(db, data_dir, remote_mode="proxy")
    services, client = app.config["SERVICES"], app.test_client()
    attachment = await remote_attachment(bob, peer, "3.jpg")
    await drain(services)
    await attachment.refresh_from_db()
    assert attachment.remote_state == "proxied" and attachment.display_key is None
    for _ in range(2):
        response = await client.get(f"/media/remote/{attachment.id}/display")
        body = await response.get_data()
        assert response.status_code == 200 and response.content_type == "image/webp"
        assert b"Someone Else" not in body
    assert fetches(peer, "3.jpg") == 3
    assert files_under(data_dir) == []
    refused = await remote_attachment(bob, peer, "ai.jpg")
    await MediaAttachment.filter(id=refused.id).update(remote_state="refused", refused_reason="rejected: test")
    assert (await client.get(f"/media/remote/{refused.id}/display")).status_code == 404
    await services.aclose()
