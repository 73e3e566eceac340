"""A series at ``/@name/series/<slug>``: its title, description and works in the artist's
order. ActivityPub clients get the same series as a FEP-7aa9 ``FeaturedCollection``."""

from __future__ import annotations

from quart import Blueprint, request

from fediserver.models import Account
from fediserver.models.portfolio import Series
from fediserver.routes.negotiation import wants_activity_json
from fediserver.routes.series import series_json
from fediserver.web.page_cache import account_scope
from fediserver.web.pages.views import PagerLinks, work_views
from fediserver.web.queries import BadCursor, local_artist, series_works
from fediserver.web.rendering import PageNotFound, Rendered, public_page, render, web

blueprint = Blueprint("series_pages", __name__)


@blueprint.get("/@<username>/series/<slug>")
async def series_page(username: str, slug: str):
    if wants_activity_json(request.headers.get("Accept")):
        series = await Series.get_or_none(slug=slug, account__username=username, account__domain="")
        return await series_json(username, series.pk if series is not None else 0)
    return await public_page(lambda viewer: _series(username, slug, viewer))


async def _series(username: str, slug: str, viewer: Account | None) -> Rendered:
    room = web()
    found = await local_artist(room.services.urls, username)
    series = await Series.get_or_none(account_id=found[0].pk, slug=slug) if found is not None else None
    if found is None or series is None:
        raise PageNotFound("There is no such series here.")
    artist = found[0]
    try:
        page = await series_works(series, viewer, request.args, room.works_per_page)
    except BadCursor as error:
        raise PageNotFound(str(error)) from None
    account_view = room.presenter.account(artist)
    works, _ = await work_views(
        room.presenter, [(entry.post, None) for entry in page.items],
        authors={artist.pk: artist}, author_views={artist.pk: account_view},
    )
    body = await render(
        "pages/series.html", viewer=viewer, artist=artist, account=account_view, series=series, works=works,
        pager=PagerLinks(f"/@{artist.username}/series/{series.slug}", page),
        ap_id=room.services.urls.actor(artist.username) + f"/featured_collections/{series.pk}",
    )
    return Rendered(body, (account_scope(artist.pk),))

