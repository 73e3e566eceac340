"""The caller's favourites in the client API (``/api/v1/favourites``): the posts they
favourited and may still see, most recently favourited first, paged by the favourite."""

from __future__ import annotations

from quart import Blueprint, jsonify
from tortoise.expressions import Subquery

from fediserver.api.auth import require_account
from fediserver.api.context import services
from fediserver.api.pagination import Page, link_header
from fediserver.api.serializers import statuses_json
from fediserver.models import Favourite
from fediserver.visibility import listed_posts

blueprint = Blueprint("api_favourites", __name__)


@blueprint.get("/api/v1/favourites")
async def favourites():
    account = await require_account(scope="read:favourites")
    seen = Subquery(listed_posts(account).values("id"))
    rows = await Page.from_request().rows(Favourite.filter(account=account, post_id__in=seen).select_related("post"))
    documents = await statuses_json([row.post for row in rows], account, services().media_links)
    return jsonify(documents), 200, link_header(rows)
