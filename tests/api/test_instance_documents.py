"""The instance documents hold every field strict client decoders require, with real
URLs, and advertise an API level whose features exist here."""

from __future__ import annotations

import io

from PIL import Image


async def test_v2_has_what_strict_decoders_require(client, db):
    document = await (await client.get("/api/v2/instance")).get_json()
    for key in ("domain", "title", "version", "source_url", "description", "usage", "thumbnail", "languages",
                "configuration", "registrations", "contact", "rules"):
        assert key in document, key
    assert document["version"].startswith("4.2.0 ")
    assert "api_versions" not in document  # no grouped notifications here: stay at 4.2
    assert isinstance(document["registrations"]["enabled"], bool)
    assert isinstance(document["contact"]["email"], str)
    statuses = document["configuration"]["statuses"]
    assert {"max_characters", "max_media_attachments", "characters_reserved_per_url"} <= set(statuses)
    thumbnail = await client.get(document["thumbnail"]["url"].removeprefix("https://art.example"))
    assert thumbnail.status_code == 200 and thumbnail.headers["Content-Type"] == "image/png"
    assert Image.open(io.BytesIO(await thumbnail.get_data())).size == (1200, 630)


async def test_v1_has_what_toot_and_fallbacks_read(client, db):
    document = await (await client.get("/api/v1/instance")).get_json()
    assert document["uri"] == "art.example" and document["version"].startswith("4.2.0 ")
    assert document["thumbnail"] == "https://art.example/instance/thumbnail.png"
    for key in ("title", "urls", "stats", "configuration", "rules", "registrations", "email"):
        assert key in document, key
