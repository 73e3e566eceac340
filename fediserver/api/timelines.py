"""Timelines in the client API, newest first with Mastodon's id cursors and ``Link`` header:

- home: the artist's own posts and boosts, those of the accounts they follow, and posts
  carrying a hashtag they follow (the rule is ``fediserver.home_timeline``, which the
  ``user`` stream asks too);
- public: public posts (``local=true`` for this instance's only, ``remote=true`` for others');
- tag: public posts carrying a hashtag (``any[]``, ``all[]``, ``none[]`` for more tags);
- list: the posts and boosts of a list's members, with the replies its ``replies_policy``
  lets in (a member's replies to itself always); members of an ``exclusive`` list leave
  the home timeline.

Every one holds only what the reader may see and has not muted (``fediserver.visibility``),
and the reader's filters for its context warn about or hide what they match
(``fediserver.api.filtering``; a page may then be shorter than ``limit``, its ``Link``
still continuing after the last post read).
"""

from __future__ import annotations

from quart import Blueprint, jsonify, request
from tortoise.expressions import Subquery

from fediserver.api.auth import optional_account, require_account
from fediserver.api.context import services
from fediserver.api.filtering import active_filters, filter_statuses
from fediserver.api.pagination import Page, link_header
from fediserver.api.params import TRUE
from fediserver.api.serializers import statuses_json
from fediserver.hashtags import posts_tagged, tag_name
from fediserver.home_timeline import home_posts
from fediserver.api.lists import own_list
from fediserver.list_timeline import list_posts
from fediserver.models import Account, MediaAttachment, Post, Visibility
from fediserver.refusals import not_found
from fediserver.visibility import listed_posts, publicly_listed

blueprint = Blueprint("api_timelines", __name__)

@blueprint.get("/api/v1/timelines/home")
async def home():
    account = await require_account(scope="read:statuses")
    query = await home_posts(account)
    return await _answer(query, account, "home")


@blueprint.get("/api/v1/timelines/public")
async def public():
    viewer = await optional_account(scope="read:statuses")
    query = publicly_listed(_public(listed_posts(viewer)), viewer)
    return await _answer(query, viewer, "public")


@blueprint.get("/api/v1/timelines/tag/<tag>")
async def tag(tag: str):
    viewer = await optional_account(scope="read:statuses")
    name = tag_name(tag)
    if name is None:
        raise not_found("Tag")
    args = request.args
    query = publicly_listed(_public(listed_posts(viewer)), viewer).filter(id__in=posts_tagged([name, *_list_arg("any")]))
    for also in _list_arg("all"):
        query = query.filter(id__in=posts_tagged([also]))
    if none := _list_arg("none"):
        query = query.exclude(id__in=posts_tagged(none))
    if args.get("only_media", "").lower() in TRUE:
        query = query.filter(id__in=Subquery(MediaAttachment.filter(post_id__isnull=False).values("post_id")))
    return await _answer(query, viewer, "public")


@blueprint.get("/api/v1/timelines/list/<list_id>")
async def list_timeline(list_id: str):
    account = await require_account(scope="read:lists")
    record = await own_list(account, list_id)
    return await _answer(list_posts(record, account), account, "home")


def _public(query):
    """Public posts, not boosts, narrowed by ``local`` or ``remote``."""
    query = query.filter(visibility=Visibility.PUBLIC, boost_of_id__isnull=True)
    if request.args.get("local", "").lower() in TRUE:
        query = query.filter(local=True)
    elif request.args.get("remote", "").lower() in TRUE:
        query = query.filter(local=False)
    return query


def _list_arg(name: str) -> list[str]:
    return [value for value in request.args.getlist(f"{name}[]") + request.args.getlist(name) if tag_name(value)]


async def _answer(query, viewer: Account | None, context: str):
    """One page of ``query`` as statuses, filtered for ``context``, with the ``Link`` header
    of the page read."""
    rows: list[Post] = await Page.from_request().rows(query)  # statuses_json reads the authors
    documents = await statuses_json(rows, viewer, services().media_links)
    documents = filter_statuses(documents, await active_filters(viewer, context), viewer)
    return jsonify(documents), 200, link_header(rows)
