"""Timelines in the client API: home (the artist's own posts and boosts and those of the
accounts they follow) and public (public posts, ``local=true`` for this instance's only),
newest first with Mastodon's id cursors and ``Link`` header. Both hold only what the
reader may see (``fediserver.visibility``)."""

from __future__ import annotations

from quart import Blueprint, jsonify, request
from tortoise.expressions import Q, Subquery

from fediserver.api.auth import optional_account, require_account
from fediserver.api.context import services
from fediserver.api.pagination import Page, link_header
from fediserver.api.params import TRUE
from fediserver.api.serializers import statuses_json
from fediserver.models import Follow, Visibility
from fediserver.visibility import publicly_listed, visible_posts

blueprint = Blueprint("api_timelines", __name__)


@blueprint.get("/api/v1/timelines/home")
async def home():
    account = await require_account(scope="read:statuses")
    followed = Follow.accepted().filter(follower=account).values("target_id")
    query = visible_posts(account).filter(Q(account_id=account.pk) | Q(account_id__in=Subquery(followed)))
    rows = await Page.from_request().rows(query.select_related("account"))
    return jsonify(await statuses_json(rows, account, services().media_links)), 200, link_header(rows)


@blueprint.get("/api/v1/timelines/public")
async def public():
    viewer = await optional_account(scope="read:statuses")
    query = publicly_listed(viewer).filter(visibility=Visibility.PUBLIC, boost_of_id__isnull=True)
    if request.args.get("local", "").lower() in TRUE:
        query = query.filter(local=True)
    elif request.args.get("remote", "").lower() in TRUE:
        query = query.filter(local=False)
    rows = await Page.from_request().rows(query.select_related("account"))
    return jsonify(await statuses_json(rows, viewer, services().media_links)), 200, link_header(rows)
