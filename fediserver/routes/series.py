"""An artist's series as ActivityPub: the actor's ``featuredCollections`` at
``/users/<name>/featured_collections`` and each series (a FEP-7aa9 ``FeaturedCollection``
of the artist's own posts) at ``/users/<name>/featured_collections/<id>``. Only posts
anyone may read are listed. Browsers are sent to the series page."""

from __future__ import annotations

from urllib.parse import quote

from quart import Blueprint, Response, redirect, request

from fediserver.models.portfolio import Series
from fediserver.routes.actors import local_artist
from fediserver.routes.negotiation import activity_json, json_error, signature_refusal, wants_activity_json
from fediserver.services import app_services
from outbox.objects import SERIES_CONTEXT, series_document

blueprint = Blueprint("series", __name__)


async def series_json(username: str, series_id: int) -> Response:
    refusal = await signature_refusal()
    if refusal is not None:
        return refusal
    author = await local_artist(username)
    series = await Series.get_or_none(id=series_id, account_id=author.pk) if author is not None and series_id < 2**63 else None
    if series is None:
        return json_error(404, "no such series")
    return activity_json(await series_document(series, author, app_services().media_links.media_url))


@blueprint.get("/users/<username>/featured_collections")
async def featured_collections(username: str):
    refusal = await signature_refusal()
    if refusal is not None:
        return refusal
    author = await local_artist(username)
    if author is None:
        return json_error(404, "no such account", username)
    all_series = await Series.filter(account_id=author.pk).order_by("position", "id")
    services = app_services()
    return activity_json({
        "@context": SERIES_CONTEXT,
        "id": services.urls.featured_collections(username),
        "type": "OrderedCollection",
        "totalItems": len(all_series),
        "orderedItems": [services.urls.series(username, series.pk) for series in all_series],
    })


@blueprint.get("/users/<username>/featured_collections/<int:series_id>")
async def one_series(username: str, series_id: int):
    if not wants_activity_json(request.headers.get("Accept")):
        series = await Series.get_or_none(id=series_id, account__username=username, account__domain="") if series_id < 2**63 else None
        target = f"/@{quote(username)}/series/{quote(series.slug)}" if series is not None else f"/@{quote(username)}"
        return redirect(target, 302)
    return await series_json(username, series_id)
