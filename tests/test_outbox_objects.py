"""A local post rendered for other servers: addressing per visibility, attachments, tombstones."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from federation.vocab import parse_object
from fediserver.models import Account, MediaAttachment, Post, Visibility
from outbox.objects import PUBLIC, note_object, tombstone

ADA = "https://art.example/users/ada"
FOLLOWERS = f"{ADA}/followers"
BOB = "https://other.example/users/bob"


def ada() -> Account:
    return Account(username="ada", uri=ADA, followers_url=FOLLOWERS)


def post(visibility: Visibility, **fields) -> Post:
    values = dict(
        uri=f"{ADA}/statuses/1", url="https://art.example/@ada/1", content="<p>hi</p>", visibility=visibility,
        published_at=datetime(2026, 11, 21, 9, 30, tzinfo=UTC), recipients=[],
        tags=[{"type": "Mention", "href": BOB, "name": "@bob@other.example"}],
    )
    values.update(fields)
    return Post(**values)


@pytest.mark.parametrize(
    ("visibility", "to", "cc"),
    [
        (Visibility.PUBLIC, [PUBLIC], [FOLLOWERS, BOB]),
        (Visibility.UNLISTED, [FOLLOWERS], [PUBLIC, BOB]),
        (Visibility.PRIVATE, [FOLLOWERS], [BOB]),
        (Visibility.DIRECT, [BOB], []),
    ],
)
def test_each_visibility_is_addressed_as_mastodon_does(visibility, to, cc):
    note = note_object(post(visibility), ada())
    assert (note["to"], note["cc"]) == (to, cc)


def test_a_note_parses_back_with_its_fields():
    image = MediaAttachment(mime="image/webp", description="a heron", width=1280, height=853,
                            blurhash="LEHV6nWB2yk8pyo0adR*.7kCMdnj", focal_x=0.2, focal_y=-0.1)
    hidden = MediaAttachment(mime="image/png")
    note = note_object(
        post(Visibility.PUBLIC, summary="birds", sensitive=True, license="https://creativecommons.org/licenses/by-nc-nd/4.0/",
             in_reply_to_uri=f"{BOB}/statuses/9", language="en"),
        ada(), [image, hidden],
        media_url=lambda a: "https://art.example/media/ab/cd/abcd.webp" if a is image else None,
    )
    assert note["published"] == "2026-11-21T09:30:00Z"
    assert note["contentMap"] == {"en": "<p>hi</p>"}
    parsed = parse_object(note)
    assert parsed.id == f"{ADA}/statuses/1" and parsed.in_reply_to == f"{BOB}/statuses/9"
    assert parsed.summary == "birds" and parsed.sensitive
    [attachment] = parsed.attachments
    assert (attachment.url, attachment.name, attachment.width, attachment.height) == (
        "https://art.example/media/ab/cd/abcd.webp", "a heron", 1280, 853)
    assert note["attachment"][0]["focalPoint"] == [0.2, -0.1]


def test_a_deleted_post_is_a_tombstone():
    gone = tombstone(post(Visibility.PUBLIC, deleted_at=datetime(2026, 11, 22, tzinfo=UTC)))
    assert gone == {"id": f"{ADA}/statuses/1", "type": "Tombstone", "formerType": "Note", "deleted": "2026-11-22T00:00:00Z"}
