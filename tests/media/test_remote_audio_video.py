"""Remote audio and video from a real loopback server: checked by their bytes, judged
under the AI-provenance rule, cached within the budget or proxied, served as they are."""

from __future__ import annotations

from pathlib import Path

import pytest

from fediserver.models import Account, MediaAttachment
from media.remote import RemoteMediaJob
from tests.federation.loopback_server import LoopbackServer, Reply
from tests.media.conftest import files_under, pipeline_settings

SAMPLES = Path(__file__).parent.parent / "fixtures" / "media"
FILES = {
    "clip.mp4": ("video/mp4", "clip-with-sound.mp4"),
    "silent.mp4": ("video/mp4", "clip-silent.mp4"),
    "ai.mp4": ("video/mp4", "clip-ai-generated.mp4"),
    "clip.webm": ("video/webm", "clip.webm"),
    "tone.ogg": ("audio/ogg", "tone.ogg"),
    "tone.mp3": ("audio/mpeg", "tone.mp3"),
}


def app_for(db, data_dir, **sections):
    from fediserver.app import create_app

    settings = pipeline_settings(db, data_dir, federation={"allow_private_addresses": True}, **sections)
    return create_app(settings, manage_database=False, run_jobs=False)


@pytest.fixture
async def peer():
    replies = {f"/av/{name}": Reply(200, {"content-type": mime}, (SAMPLES / file).read_bytes())
               for name, (mime, file) in FILES.items()}
    async with LoopbackServer(replies) as server:
        yield server


@pytest.fixture
async def bob(db) -> Account:
    return await Account.create(username="bob", domain="other.example", uri="https://other.example/users/bob")


async def drain(services) -> None:
    job = RemoteMediaJob(services.remote_media)
    while await job.run_once():
        pass


def fetches(peer, name: str) -> int:
    return sum(1 for request in peer.received if request.target == f"/av/{name}")


@pytest.mark.parametrize("name,declared,served", [
    ("clip.mp4", "video/mp4", "video/mp4"),
    ("clip.webm", "video/webm", "video/webm"),
    ("tone.ogg", "audio/ogg", "audio/ogg"),
    ("tone.mp3", "audio/mpeg", "audio/mpeg"),
])
async def test_audio_and_video_are_cached_and_served_as_they_are(db, data_dir, peer, bob, name, declared, served):
    app = app_for(db, data_dir)
    services, client = app.config["SERVICES"], app.test_client()
    attachment = await MediaAttachment.create(account=bob, remote_url=f"{peer.base}/av/{name}", mime=declared)

    await drain(services)

    await attachment.refresh_from_db()
    assert attachment.remote_state == "cached" and attachment.file_size == len((SAMPLES / FILES[name][1]).read_bytes())
    response = await client.get(f"/media/remote/{attachment.id}/display")
    assert response.status_code == 200 and response.content_type == served
    assert await response.get_data() == (SAMPLES / FILES[name][1]).read_bytes()
    assert "noai" in response.headers["X-Robots-Tag"]
    assert (await client.get(f"/media/remote/{attachment.id}/thumbnail")).status_code == 404
    assert fetches(peer, name) == 1
    await services.aclose()


async def test_a_video_without_sound_is_a_gifv_and_one_with_sound_a_video(db, data_dir, peer, bob):
    from fediserver.api.serializers import media_json

    app = app_for(db, data_dir)
    services = app.config["SERVICES"]
    silent = await MediaAttachment.create(account=bob, remote_url=f"{peer.base}/av/silent.mp4", mime="video/mp4")
    sound = await MediaAttachment.create(account=bob, remote_url=f"{peer.base}/av/clip.mp4", mime="video/*")

    await drain(services)

    await silent.refresh_from_db()
    await sound.refresh_from_db()
    assert media_json(silent, services.media_links)["type"] == "gifv"
    assert media_json(sound, services.media_links)["type"] == "video"
    assert sound.mime == "video/mp4"  # the declared "video/*" became the real type
    await services.aclose()


async def test_ai_marked_video_is_refused_under_reject_and_labelled_under_label(db, data_dir, peer, bob):
    strict = app_for(db, data_dir, protection={"ai_generated_remote": "reject"})
    refused = await MediaAttachment.create(account=bob, remote_url=f"{peer.base}/av/ai.mp4", mime="video/mp4")
    await drain(strict.config["SERVICES"])
    await refused.refresh_from_db()
    assert refused.remote_state == "refused" and "trainedAlgorithmicMedia" in refused.refused_reason
    assert strict.config["SERVICES"].media_links.media_url(refused) is None
    assert (await strict.test_client().get(f"/media/remote/{refused.id}/display")).status_code == 404
    assert files_under(data_dir / "media") == []
    await strict.config["SERVICES"].aclose()

    lenient = app_for(db, data_dir)
    labelled = await MediaAttachment.create(account=bob, remote_url=f"{peer.base}/av/ai.mp4", mime="video/mp4")
    await drain(lenient.config["SERVICES"])
    await labelled.refresh_from_db()
    assert labelled.remote_state == "cached" and "trainedAlgorithmicMedia" in labelled.ai_label
    await lenient.config["SERVICES"].aclose()


async def test_a_video_larger_than_the_limit_is_not_relayed(db, data_dir, peer, bob):
    app = app_for(db, data_dir, media={"remote_max_bytes": 4096})
    attachment = await MediaAttachment.create(account=bob, remote_url=f"{peer.base}/av/clip.mp4", mime="video/mp4")
    await drain(app.config["SERVICES"])
    await attachment.refresh_from_db()
    assert attachment.remote_state == "failed"
    assert (await app.test_client().get(f"/media/remote/{attachment.id}/display")).status_code == 404
    await app.config["SERVICES"].aclose()


async def test_proxy_mode_stores_nothing_and_fetches_per_view(db, data_dir, peer, bob):
    app = app_for(db, data_dir, media={"remote_mode": "proxy"})
    services, client = app.config["SERVICES"], app.test_client()
    attachment = await MediaAttachment.create(account=bob, remote_url=f"{peer.base}/av/tone.ogg", mime="audio/ogg")
    await drain(services)
    await attachment.refresh_from_db()
    assert attachment.remote_state == "proxied"
    for _ in range(2):
        response = await client.get(f"/media/remote/{attachment.id}/display")
        assert response.status_code == 200 and response.content_type == "audio/ogg"
    assert fetches(peer, "tone.ogg") == 3
    assert files_under(data_dir / "media") == []
    await services.aclose()


async def test_the_cache_budget_counts_audio_and_video_too(db, data_dir, peer, bob):
    size = len((SAMPLES / "clip-with-sound.mp4").read_bytes())
    app = app_for(db, data_dir, media={"remote_cache_bytes": size + 100})
    services = app.config["SERVICES"]
    first = await MediaAttachment.create(account=bob, remote_url=f"{peer.base}/av/clip.mp4", mime="video/mp4")
    await drain(services)
    second = await MediaAttachment.create(account=bob, remote_url=f"{peer.base}/av/silent.mp4", mime="video/mp4")
    await drain(services)
    await first.refresh_from_db()
    await second.refresh_from_db()
    assert (first.remote_state, second.remote_state) == ("evicted", "cached")
    assert await services.remote_media.cached_bytes() <= size + 100
    await services.aclose()
