"""A remote file is fetched once however many ask at the same time (viewers, the background
job, another process), everyone is served the result, and a slow or silent remote server
holds nobody longer than the fetch timeout."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from fediserver.clock import utcnow
from fediserver.models import Account, MediaAttachment, RemoteMediaState
from media.remote import RemoteMediaJob
from media.remote_lifecycle import NoSuchMove, RemoteEvent, moved
from tests.federation.loopback_server import LoopbackServer, Reply
from tests.media.test_remote_media import remote_app, remote_jpeg


async def never_answers(request):
    await asyncio.sleep(3600)


@pytest.fixture
async def peer():
    async with LoopbackServer({
        "/media/new.jpg": Reply(200, {"content-type": "image/jpeg"}, remote_jpeg(7)),
        # Headers at once, then the body trickles far slower than the fetch timeout.
        "/media/slow.jpg": Reply(200, {"content-type": "image/jpeg"}, remote_jpeg(8), chunks=4, pause_seconds=30),
        "/media/silent.jpg": never_answers,
    }) as server:
        yield server


@pytest.fixture
async def bob(db) -> Account:
    return await Account.create(username="bob", domain="other.example", uri="https://other.example/users/bob")


def gets(peer, name: str) -> int:
    return sum(1 for request in peer.received if request.target == f"/media/{name}")


async def test_simultaneous_first_views_and_the_job_make_one_fetch(db, data_dir, peer, bob):
    app = remote_app(db, data_dir)
    services, client = app.config["SERVICES"], app.test_client()
    decodes = 0
    make = services.remote_media.pipeline.maker.make

    async def counted_make(*args, **kwargs):
        nonlocal decodes
        decodes += 1
        return await make(*args, **kwargs)

    services.remote_media.pipeline.maker.make = counted_make
    attachment = await MediaAttachment.create(account=bob, remote_url=f"{peer.base}/media/new.jpg", mime="image/jpeg")
    views = [client.get(f"/media/remote/{attachment.id}/{role}") for role in ("display", "thumbnail") * 4]
    job = RemoteMediaJob(services.remote_media)
    *responses, _ = await asyncio.gather(*views, job.run_once())
    assert [r.status_code for r in responses] == [200] * 8
    bodies = {await r.get_data() for r in responses}
    assert len(bodies) == 2  # one display image, one thumbnail, the same for everyone
    assert gets(peer, "new.jpg") == 1 and decodes == 1
    await attachment.refresh_from_db()
    assert attachment.remote_state == RemoteMediaState.CACHED and attachment.claimed_until is None
    await services.aclose()


async def test_a_viewer_waits_for_the_fetch_another_process_holds(db, data_dir, peer, bob):
    """Two apps on one database stand for two processes: the second holds the row's claim."""
    viewer_app, worker_app = remote_app(db, data_dir), remote_app(db, data_dir)
    attachment = await MediaAttachment.create(account=bob, remote_url=f"{peer.base}/media/new.jpg", mime="image/jpeg")
    [claimed] = await _claim(attachment)
    view = asyncio.create_task(viewer_app.test_client().get(f"/media/remote/{attachment.id}/display"))
    await asyncio.sleep(0.3)
    assert not view.done()  # waiting on the other process, not fetching itself
    await worker_app.config["SERVICES"].remote_media.fetch_once(claimed, claimed=True)
    response = await view
    assert response.status_code == 200 and response.content_type == "image/webp"
    assert gets(peer, "new.jpg") == 1
    for app in (viewer_app, worker_app):
        await app.config["SERVICES"].aclose()


async def _claim(attachment: MediaAttachment) -> list[MediaAttachment]:
    await MediaAttachment.filter(id=attachment.id).update(claimed_until=utcnow() + timedelta(seconds=60))
    return [await MediaAttachment.get(id=attachment.id)]


@pytest.mark.parametrize("name", ["slow.jpg", "silent.jpg"])
async def test_a_slow_or_silent_server_holds_viewers_no_longer_than_the_fetch_timeout(db, data_dir, peer, bob, name):
    from fediserver.app import create_app
    from tests.media.conftest import pipeline_settings

    settings = pipeline_settings(db, data_dir, federation={"allow_private_addresses": True,
                                                           "request_timeout_seconds": 1})
    app = create_app(settings, manage_database=False, run_jobs=False)
    client = app.test_client()
    attachment = await MediaAttachment.create(account=bob, remote_url=f"{peer.base}/media/{name}", mime="image/jpeg")
    responses = await asyncio.wait_for(
        asyncio.gather(*(client.get(f"/media/remote/{attachment.id}/display") for _ in range(5))), timeout=20)
    for response in responses:
        assert response.status_code == 404
        assert "not available" in (text := await response.get_data(as_text=True)) and "1 s" in text
    assert gets(peer, name) == 1
    # The fetch itself gave up at its timeout too: the row says why and is free to try again.
    for _ in range(100):
        await attachment.refresh_from_db()
        if attachment.claimed_until is None:
            break
        await asyncio.sleep(0.05)
    assert attachment.remote_state == RemoteMediaState.FAILED and "1 s" in attachment.refused_reason
    await app.config["SERVICES"].aclose()


def test_the_life_cycle_refuses_moves_it_does_not_have():
    assert moved(None, RemoteEvent.STORED) == RemoteMediaState.CACHED
    assert moved(RemoteMediaState.CACHED, RemoteEvent.EVICTED) == RemoteMediaState.EVICTED
    assert moved(RemoteMediaState.EVICTED, RemoteEvent.STORED) == RemoteMediaState.CACHED
    with pytest.raises(NoSuchMove):
        moved(RemoteMediaState.REFUSED, RemoteEvent.STORED)
    with pytest.raises(NoSuchMove):
        moved(RemoteMediaState.FAILED, RemoteEvent.EVICTED)


async def test_viewers_arriving_between_the_jobs_claim_and_its_fetch_get_the_file(db, data_dir, peer, bob):
    app = remote_app(db, data_dir)
    services, client = app.config["SERVICES"], app.test_client()
    attachment = await MediaAttachment.create(account=bob, remote_url=f"{peer.base}/media/new.jpg", mime="image/jpeg")
    [claimed] = await _claim(attachment)  # the job has claimed the row...
    views = [asyncio.create_task(client.get(f"/media/remote/{attachment.id}/display")) for _ in range(3)]
    while attachment.id not in services.remote_media._fetches:  # ...the viewers wait on its claim...
        await asyncio.sleep(0)
    await services.remote_media.fetch_once(claimed, claimed=True)  # ...and then it fetches
    responses = await asyncio.gather(*views)
    assert [r.status_code for r in responses] == [200] * 3
    assert gets(peer, "new.jpg") == 1
    await services.aclose()
