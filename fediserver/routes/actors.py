"""Actors: local artists at ``/users/<name>`` (and ``/@<name>``), the instance actor at ``/actor``.

ActivityPub clients get the actor document, served from ``Services.documents`` (bytes
serialised once per change); browsers get a small profile page linking to it, or, for an
artist who moved to another server, a redirect to her new profile. With
``federation.authorized_fetch`` on, the JSON needs a signed GET; the instance actor's
document never does, since it is what signing servers fetch to check our own GETs.
"""

from __future__ import annotations

from quart import Blueprint, Response, redirect, request

from fediserver.actor_documents import actor_document, encode
from fediserver.instance_actor import ensure_instance_actor
from fediserver.models import Account
from fediserver.models.accounts import LOCAL_DOMAIN
from fediserver.routes.negotiation import activity_json, json_error, signature_refusal, wants_activity_json
from fediserver.routes.pages import profile_html
from fediserver.services import app_services

blueprint = Blueprint("actors", __name__)


async def local_artist(username: str) -> Account | None:
    """The local artist ``username`` (never the instance actor), unless suspended."""
    services = app_services()
    return await Account.get_or_none(
        uri=services.urls.actor(username), domain=LOCAL_DOMAIN, suspended=False
    )


async def _actor_json(username: str) -> Response:
    refusal = await signature_refusal()
    if refusal is not None:
        return refusal
    services = app_services()
    body = services.documents.get("actor", username)
    if body is None:
        account = await local_artist(username)
        if account is None:
            return json_error(404, "no such account", username)
        body = services.documents.put("actor", username, encode(actor_document(account, services.urls)))
    return activity_json(body)


@blueprint.get("/users/<username>")
async def actor(username: str):
    if wants_activity_json(request.headers.get("Accept")):
        return await _actor_json(username)
    return await _profile_page(username)


@blueprint.get("/@<username>")
async def profile(username: str):
    if wants_activity_json(request.headers.get("Accept")):
        return await _actor_json(username)
    return await _profile_page(username)


@blueprint.get("/actor")
async def instance_actor():
    services = app_services()
    body = services.documents.get("instance", "actor")
    if body is None:
        account = await ensure_instance_actor(services.urls, instance_name=services.settings.instance.name)
        body = services.documents.put("instance", "actor", encode(actor_document(account, services.urls)))
    return activity_json(body)


async def _profile_page(username: str) -> Response:
    account = await local_artist(username)
    if account is None:
        return Response("<!doctype html><title>Not found</title><p>No such account.</p>", 404,
                        content_type="text/html; charset=utf-8")
    if account.moved_to_uri:
        # The artist moved: her old profile sends visitors to the new one.
        target = await Account.get_or_none(uri=account.moved_to_uri)
        return redirect((target.url if target is not None else None) or account.moved_to_uri, 301)
    domain = app_services().settings.instance.domain
    response = Response(profile_html(account, domain), content_type="text/html; charset=utf-8")
    response.headers["Vary"] = "Accept"
    return response

