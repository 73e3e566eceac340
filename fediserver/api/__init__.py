"""The Mastodon client API, one module per subject: ``auth`` (who is calling: bearer
tokens and scopes), ``errors`` (the error shape), ``accounts``, ``follow_requests``,
``statuses`` (with ``conversation``, the thread around a status, ``new_status``: posting,
now or scheduled, ``scheduled_statuses``, ``status_edits`` and
``status_marks``: pins, bookmarks, conversation mutes; ``polls``, ``conversations``), ``media``,
``timelines``, ``notifications``, ``instance``, ``search``, ``streaming`` (live updates), ``preferences`` (with read
markers), ``tags`` (followed hashtags), ``profile_features`` (featured hashtags, endorsed
accounts, removing the avatar or header), ``suggestions`` (people to follow, familiar followers), ``push`` (Web Push subscriptions), ``filters`` (with ``filtering``, what they do to
lists), ``lists``, ``curated`` (announcements, custom emoji,
trends: none kept here), with ``serializers``
producing Mastodon's JSON entities. The domain blocks' endpoints live with the rest of
domain moderation (``fediserver.moderation.domain_api``)."""

from __future__ import annotations

from quart import Blueprint, Quart

from fediserver.api import (
    accounts, blocks_and_mutes, conversations, curated, favourites, filters, follow_requests, instance, lists, media,
    new_status, notifications, polls, preferences, profile_features, push, scheduled_statuses, search, status_edits,
    status_marks, statuses, streaming, suggestions, tags, timelines,
)
from fediserver.api.errors import install_error_handlers
from fediserver.api.idempotency import IdempotencyKeys
from fediserver.moderation import account_api, domain_api, report_api
from fediserver.refusals import ApiError

client_api = Blueprint("api", __name__)
install_error_handlers(client_api)
for _subject in (instance, accounts, blocks_and_mutes, favourites, conversations, follow_requests, new_status,
                 statuses, scheduled_statuses, status_edits, status_marks, polls, media, timelines, notifications,
                 search, preferences, curated, tags, filters, lists, profile_features, suggestions, streaming,
                 push, domain_api):
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
