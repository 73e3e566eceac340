"""What a Mastodon server's admins curate and this server does not keep: announcements,
custom emoji and trends. Apps read them at start-up, so each answers its entity list,
empty; dismissing an announcement finds none."""

from __future__ import annotations

from quart import Blueprint, jsonify

from fediserver.api.auth import optional_account, require_account
from fediserver.refusals import not_found

blueprint = Blueprint("api_curated", __name__)


@blueprint.get("/api/v1/announcements")
async def announcements():
    await require_account(scope="read")
    return jsonify([])


@blueprint.post("/api/v1/announcements/<announcement_id>/dismiss")
async def dismiss(announcement_id: str):
    await require_account(scope="write:accounts")
    raise not_found("Announcement")


@blueprint.get("/api/v1/custom_emojis")
async def custom_emojis():
    return jsonify([])


@blueprint.get("/api/v1/trends", defaults={"kind": "tags"})
@blueprint.get("/api/v1/trends/<kind>")
async def trends(kind: str):
    await optional_account(scope="read")
    if kind not in ("tags", "statuses", "links"):
        raise not_found("Trend")
    return jsonify([])
