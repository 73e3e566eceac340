"""Actors: local artists at ``/users/<name>`` (and ``/@<name>``), the instance actor at ``/actor``.

ActivityPub clients get the actor document, served from ``Services.documents`` (bytes
serialised once per change); browsers asking for ``/users/<name>`` are sent to the
artist's portfolio at ``/@<name>`` (the web room, which answers ``/@<name>`` with
``actor_json`` for ActivityPub clients and sends visitors of an artist who moved to her
new profile). With ``federation.authorized_fetch`` on, the
JSON needs a signed GET; the instance actor's document never does, since it is what
signing servers fetch to check our own GETs.
"""

from __future__ import annotations

from urllib.parse import quote

from quart import Blueprint, Response, redirect, request

from fediserver.actor_documents import actor_document, encode, suspended_actor_document
from fediserver.fast_lane import replayable_while
from fediserver.instance_actor import ensure_instance_actor
from fediserver.models import Account
from fediserver.models.accounts import LOCAL_DOMAIN
from fediserver.routes.negotiation import activity_json, json_error, signature_refusal, wants_activity_json
from fediserver.services import app_services

blueprint = Blueprint("actors", __name__)


async def local_artist(username: str) -> Account | None:
    """The local artist ``username`` (never the instance actor), unless suspended."""
    services = app_services()
    return await Account.get_or_none(
        uri=services.urls.actor(username), domain=LOCAL_DOMAIN, suspended=False
    )


async def actor_json(username: str) -> Response:
    """The artist's actor document (404 JSON for an unknown artist)."""
    refusal = await signature_refusal()
    if refusal is not None:
        return refusal
    services = app_services()
    body = services.documents.get("actor", username)
    if body is None:
        account = await local_artist(username)
        if account is None:
            return await _missing_actor(username)
        body = services.documents.put("actor", username, encode(actor_document(account, services.urls)))
    replayable_while(lambda: services.documents.get("actor", username) is body)
    return activity_json(body)


async def _missing_actor(username: str) -> Response:
    """No such artist (404), or one suspended: its actor answers as suspended while the
    suspension may be lifted (30 days), and 410 Gone once its data is gone."""
    from fediserver.moderation.account_actions import may_unsuspend

    services = app_services()
    account = await Account.get_or_none(uri=services.urls.actor(username), domain=LOCAL_DOMAIN, suspended=True)
    if account is None:
        return json_error(404, "no such account", username)
    if not may_unsuspend(account):
        return json_error(410, "the account is gone", username)
    return activity_json(encode(suspended_actor_document(account, services.urls)))


@blueprint.get("/users/<username>")
async def actor(username: str):
    if wants_activity_json(request.headers.get("Accept")):
        return await actor_json(username)
    response = redirect(f"/@{quote(username)}", 302)
    response.headers["Vary"] = "Accept"
    return response


@blueprint.get("/actor")
async def instance_actor():
    services = app_services()
    body = services.documents.get("instance", "actor")
    if body is None:
        account = await ensure_instance_actor(services.urls, instance_name=services.settings.instance.name)
        body = services.documents.put("instance", "actor", encode(actor_document(account, services.urls)))
    replayable_while(lambda: services.documents.get("instance", "actor") is body)
    return activity_json(body)

