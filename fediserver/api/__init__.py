"""The Mastodon client API, one module per subject: ``auth`` (bearer tokens and the error
shape), ``accounts``, ``statuses``, ``media``, ``timelines``, ``notifications``,
``instance``, with ``serializers`` producing Mastodon's JSON entities."""

from __future__ import annotations

from quart import Blueprint, Quart

from fediserver.api import accounts, instance, media, notifications, statuses, timelines
from fediserver.api.auth import install_error_handlers
from fediserver.api.idempotency import IdempotencyKeys

client_api = Blueprint("api", __name__)
install_error_handlers(client_api)
for _subject in (instance, accounts, statuses, media, timelines, notifications):
    client_api.register_blueprint(_subject.blueprint)


def install_client_api(app: Quart) -> None:
    app.config["API_IDEMPOTENCY_KEYS"] = IdempotencyKeys()
    app.register_blueprint(client_api)
