"""Every object type Mastodon keeps, from the real documents other servers sent, as a
client sees them: Audio (Funkwhale), Video (PeerTube), Event (Mobilizon) as statuses with
their title, description, link and file; attachments typed by their media type; Link
attachments as links, never as broken images."""

from __future__ import annotations

import copy
import json
from pathlib import Path

from fediserver.models import InboundState, MediaAttachment, Post
from tests.inbox.support import deliver, remote_actor

FIXTURES = Path(__file__).parent.parent / "fixtures" / "activitypub"
PUBLIC = "https://www.w3.org/ns/activitystreams#Public"


def fixture(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


async def status_of(client, uri: str) -> dict:
    post = await Post.get(uri=uri)
    response = await client.get(f"/api/v1/statuses/{post.pk}")
    assert response.status_code == 200
    return await response.get_json()


async def test_a_funkwhale_track_is_a_status_with_its_audio(db, client):
    create = fixture("funkwhale/create-audio.json")
    await remote_actor(create["actor"])

    item = await deliver(create)

    assert item.state == InboundState.DONE, item.last_error
    status = await status_of(client, create["object"]["id"])
    assert "<strong>Compositions - Test Audio for Pleroma</strong>" in status["content"]
    assert "#funkwhale #test #tests" in status["content"]
    assert 'href="https://channels.tests.funkwhale.audio/library/tracks/74"' in status["content"]
    assert status["spoiler_text"] == ""  # the summary is the description, not a warning
    [audio] = status["media_attachments"]
    assert audio["type"] == "audio"
    assert audio["remote_url"].startswith("https://channels.tests.funkwhale.audio/api/v1/listen/")
    assert audio["preview_url"] is None


async def test_a_peertube_video_is_a_status_with_its_smallest_video_file(db, client):
    video = fixture("peertube/video-framatube.json")
    author = video["attributedTo"][0]["id"] if isinstance(video["attributedTo"], list) else video["attributedTo"]
    create = {"id": video["id"] + "/activity", "type": "Create", "actor": author, "object": video,
              "to": video["to"], "cc": video.get("cc", [])}
    for actor in {a["id"] if isinstance(a, dict) else a for a in video["attributedTo"]}:
        await remote_actor(actor)

    item = await deliver(create)

    assert item.state == InboundState.DONE, item.last_error
    status = await status_of(client, video["id"])
    assert f"<strong>{video['name']}</strong>" in status["content"]
    assert 'href="https://framatube.org/videos/watch/217eefeb-883d-45be-b7fc-a788ad8507d3"' in status["content"]
    [file] = status["media_attachments"]
    assert file["type"] == "video"
    # 240p, the smallest with a picture (the 0 "resolution" is the sound alone).
    assert file["remote_url"].endswith("-240-fragmented.mp4")
    assert (await MediaAttachment.get(remote_url=file["remote_url"])).file_size == 3852494


async def test_a_mobilizon_event_shows_its_title_description_and_link(db, client):
    event = fixture("mobilizon/event.json")
    event = {key: value for key, value in event.items() if key != "@context"}
    group = event["attributedTo"]
    await remote_actor(group)
    create = {"id": event["id"] + "/activity", "type": "Create", "actor": group, "object": event,
              "to": event["to"], "cc": event["cc"]}

    item = await deliver(create)

    assert item.state == InboundState.DONE, item.last_error
    status = await status_of(client, event["id"])
    content = status["content"]
    assert content.startswith("<p><strong>Caledonian scottish dance class</strong></p>")
    assert "£6 each." in content and "posh ceilidh" in content
    assert f'href="{event["url"]}"' in content
    assert status["visibility"] == "public"
    [banner] = status["media_attachments"]
    assert banner["type"] == "image" and banner["description"] == "Banner"


async def test_a_link_attachment_is_a_link_not_an_image(db, client):
    create = fixture("lemmy/create-page.json")
    await remote_actor(create["actor"])
    [link] = create["object"]["attachment"]

    item = await deliver(create)

    assert item.state == InboundState.DONE, item.last_error
    status = await status_of(client, create["object"]["id"])
    assert status["media_attachments"] == []
    assert f'href="{link["href"]}"' in status["content"]
    assert await MediaAttachment.filter(remote_url=link["href"]).count() == 0


async def test_attachments_are_typed_by_their_media_type(db, client):
    author = "https://video.example/users/vi"
    await remote_actor(author)
    note = {
        "id": f"{author}/statuses/1", "type": "Note", "attributedTo": author, "content": "<p>files</p>",
        "to": [PUBLIC], "cc": [],
        "attachment": [
            {"type": "Document", "mediaType": "image/png", "url": "https://video.example/a.png"},
            {"type": "Document", "mediaType": "video/mp4", "url": "https://video.example/b.mp4"},
            {"type": "Document", "mediaType": "audio/mpeg", "url": "https://video.example/c.mp3"},
            {"type": "Document", "mediaType": "application/pdf", "url": "https://video.example/d.pdf"},
            # No media type and nothing in the name to go by: not an image.
            {"type": "Document", "url": "https://video.example/files/e"},
            # No media type, but an image by its type or its name.
            {"type": "Image", "url": "https://video.example/blob?id=f"},
            {"type": "Document", "url": "https://video.example/g.jpg"},
        ],
    }
    create = {"id": f"{note['id']}/activity", "type": "Create", "actor": author, "object": note,
              "to": note["to"], "cc": []}

    item = await deliver(copy.deepcopy(create))

    assert item.state == InboundState.DONE, item.last_error
    status = await status_of(client, note["id"])
    kinds = [(a["remote_url"].rsplit("/", 1)[-1], a["type"]) for a in status["media_attachments"]]
    assert kinds == [("a.png", "image"), ("b.mp4", "video"), ("c.mp3", "audio"), ("d.pdf", "unknown"),
                     ("e", "unknown"), ("blob?id=f", "image"), ("g.jpg", "image")]
    unknown = {a["remote_url"]: a for a in status["media_attachments"] if a["type"] == "unknown"}
    # A file we cannot show links to its original, never to a media URL of ours that would 404.
    for remote_url, attachment in unknown.items():
        assert attachment["url"] == remote_url and attachment["preview_url"] is None
