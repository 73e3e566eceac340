"""What a reader does to a status besides favouriting and boosting: pinning her own
post to her profile (``pin``/``unpin``, an Add/Remove on her ``featured`` collection,
``outbox.portfolio``), bookmarking (``bookmark``/``unbookmark``, ``GET /api/v1/bookmarks``),
muting its conversation (``mute``/``unmute``: no notifications from that thread), and
who favourited or boosted it (``favourited_by``, ``reblogged_by``). Every status is one
the caller may see (``fediserver.visibility``); each list is paged with ``Link``.
"""

from __future__ import annotations

from quart import Blueprint, jsonify
from tortoise.exceptions import IntegrityError
from tortoise.expressions import Subquery

from fediserver.api.auth import optional_account, require_account
from fediserver.api.context import services
from fediserver.api.pagination import Page, link_header
from fediserver.api.serializers import accounts_json, status_json, statuses_json
from fediserver.models import Account, Bookmark, ConversationMute, Favourite, Post
from fediserver.models.reader_marks import thread_roots
from fediserver.refusals import unprocessable
from fediserver.visibility import original_post, visible_post, visible_posts
from outbox import portfolio

blueprint = Blueprint("api_status_marks", __name__)


@blueprint.post("/api/v1/statuses/<status_id>/pin")
async def pin(status_id: str):
    account = await require_account(scope="write:accounts")
    post = await visible_post(status_id, account)
    if post.boost_of_id is not None:
        raise unprocessable("a boost cannot be pinned; pin your own posts")
    await portfolio.pin(post, account)
    return await _answer(post, account)


@blueprint.post("/api/v1/statuses/<status_id>/unpin")
async def unpin(status_id: str):
    account = await require_account(scope="write:accounts")
    post = await visible_post(status_id, account)
    await portfolio.unpin(post, account)
    return await _answer(post, account)


@blueprint.post("/api/v1/statuses/<status_id>/bookmark")
async def bookmark(status_id: str):
    account = await require_account(scope="write:bookmarks")
    post = await original_post(await visible_post(status_id, account), account)
    try:
        await Bookmark.get_or_create(account=account, post=post)
    except IntegrityError:
        pass  # the same bookmark made twice at once
    return await _answer(post, account)


@blueprint.post("/api/v1/statuses/<status_id>/unbookmark")
async def unbookmark(status_id: str):
    account = await require_account(scope="write:bookmarks")
    post = await original_post(await visible_post(status_id, account), account)
    await Bookmark.filter(account=account, post=post).delete()
    return await _answer(post, account)


@blueprint.get("/api/v1/bookmarks")
async def bookmarks():
    """The caller's bookmarks she may still see, newest bookmark first (paged by bookmark)."""
    account = await require_account(scope="read:bookmarks")
    query = Bookmark.filter(account=account, post_id__in=Subquery(visible_posts(account).values("id")))
    rows = await Page.from_request().rows(query.select_related("post"))
    posts = [row.post for row in rows]
    return jsonify(await statuses_json(posts, account, services().media_links)), 200, link_header(rows)


@blueprint.post("/api/v1/statuses/<status_id>/mute")
async def mute(status_id: str):
    account = await require_account(scope="write:mutes")
    post = await original_post(await visible_post(status_id, account), account)
    root = (await thread_roots([post.pk]))[post.pk]
    try:
        await ConversationMute.get_or_create(account=account, root_id=root)
    except IntegrityError:
        pass
    return await _answer(post, account)


@blueprint.post("/api/v1/statuses/<status_id>/unmute")
async def unmute(status_id: str):
    account = await require_account(scope="write:mutes")
    post = await original_post(await visible_post(status_id, account), account)
    root = (await thread_roots([post.pk]))[post.pk]
    await ConversationMute.filter(account=account, root_id=root).delete()
    return await _answer(post, account)


@blueprint.get("/api/v1/statuses/<status_id>/favourited_by")
async def favourited_by(status_id: str):
    viewer = await optional_account(scope="read:accounts")
    post = await original_post(await visible_post(status_id, viewer), viewer)
    rows = await Page.from_request().rows(Favourite.filter(post=post, account__suspended=False).select_related("account"))
    return await _accounts_page(rows, [row.account for row in rows])


@blueprint.get("/api/v1/statuses/<status_id>/reblogged_by")
async def reblogged_by(status_id: str):
    viewer = await optional_account(scope="read:accounts")
    post = await original_post(await visible_post(status_id, viewer), viewer)
    boosts = Post.filter(boost_of=post, deleted_at=None, account__suspended=False).select_related("account")
    rows = await Page.from_request().rows(boosts)
    return await _accounts_page(rows, [row.account for row in rows])


async def _accounts_page(rows: list, accounts: list[Account]):
    rendered = await accounts_json(accounts) if accounts else {}
    return jsonify([rendered[a.pk] for a in accounts]), 200, link_header(rows)


async def _answer(post: Post, account: Account):
    fresh = await Post.get(id=post.pk).select_related("account")
    return jsonify(await status_json(fresh, account, services().media_links))
