"""The Mastodon client API, one module per subject: ``auth`` (who is calling: bearer
tokens and scopes), ``errors`` (the error shape), ``accounts``, ``follow_requests``,
``statuses`` (with ``conversation``, the thread around a status), ``media``,
``timelines``, ``notifications``, ``instance``, ``search``, with ``serializers``
producing Mastodon's JSON entities."""

from __future__ import annotations

from quart import Blueprint, Quart

from fediserver.api import accounts, follow_requests, instance, media, notifications, search, statuses, timelines
from fediserver.api.errors import ApiError, install_error_handlers
from fediserver.api.idempotency import IdempotencyKeys
from fediserver.moderation import account_api, report_api

client_api = Blueprint("api", __name__)
install_error_handlers(client_api)
for _subject in (instance, accounts, follow_requests, statuses, media, timelines, notifications, search):
    client_api.register_blueprint(_subject.blueprint)
# Reports, and the admin API for reports, accounts and the audit log (fediserver.moderation).
for _subject in (report_api, account_api):
    client_api.register_blueprint(_subject.blueprint)



@client_api.route("/api/<path:rest>", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
async def unknown_endpoint(rest: str):
    """Anything under /api/ that no endpoint answers, in the API's error shape."""
    raise ApiError(404, f"/api/{rest}: no such endpoint on this server")


def install_client_api(app: Quart) -> None:
    app.config["API_IDEMPOTENCY_KEYS"] = IdempotencyKeys()
    app.register_blueprint(client_api)
