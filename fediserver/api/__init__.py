"""The Mastodon client API, one module per subject: ``auth`` (who is calling: bearer
tokens and scopes), ``errors`` (the error shape), ``accounts``, ``follow_requests``,
``statuses`` (with ``conversation``, the thread around a status), ``media``,
``timelines``, ``notifications``, ``instance``, ``search``, ``preferences`` (with read
markers), ``tags`` (followed hashtags), ``filters`` (with ``filtering``, what they do to
lists), ``lists``, ``curated`` (announcements, custom emoji,
trends: none kept here), with ``serializers``
producing Mastodon's JSON entities."""

from __future__ import annotations

from quart import Blueprint, Quart

from fediserver.api import (
    accounts, blocks_and_mutes, curated, favourites, filters, follow_requests, instance, lists, media, notifications,
    preferences, search, statuses, tags, timelines,
)
from fediserver.api.errors import ApiError, install_error_handlers
from fediserver.api.idempotency import IdempotencyKeys

client_api = Blueprint("api", __name__)
install_error_handlers(client_api)
for _subject in (instance, accounts, follow_requests, statuses, media, timelines, notifications, search,
                 preferences, curated, tags, filters, lists, blocks_and_mutes, favourites):
    client_api.register_blueprint(_subject.blueprint)



@client_api.route("/api/<path:rest>", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
async def unknown_endpoint(rest: str):
    """Anything under /api/ that no endpoint answers, in the API's error shape."""
    raise ApiError(404, f"/api/{rest}: no such endpoint on this server")


def install_client_api(app: Quart) -> None:
    app.config["API_IDEMPOTENCY_KEYS"] = IdempotencyKeys()
    app.register_blueprint(client_api)
