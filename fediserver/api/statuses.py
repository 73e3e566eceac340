"""Statuses in the client API: posting (with uploaded media), reading (with the
conversation around a status), deleting, favouriting and boosting. Everything that
leaves the server goes through the outbox actions (``outbox.statuses``,
``outbox.relations``) and the delivery queue."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from quart import Blueprint, current_app, jsonify, request
from tortoise.expressions import Q

from fediserver.api.auth import optional_account, require_account
from fediserver.api.context import services
from fediserver.api.errors import ApiError, not_found, unprocessable
from fediserver.api.filtering import active_filters, filter_statuses
from fediserver.api.params import MAX_RECORD_ID, Params, record_id
from fediserver.api.conversation import asked_for_thread, visible_ancestors, visible_descendants
from fediserver.api.polls import poll_spec
from fediserver.api.serializers import status_json, statuses_json
from fediserver.models import Account, MediaAttachment, Post, Visibility
from fediserver.quotes import DENIED, quote_permission
from fediserver.visibility import visible_posts
from inbox.resolver import NotResolved
from outbox import relations, statuses
from outbox.text import find_mentions

blueprint = Blueprint("api_statuses", __name__)

MAX_MEDIA = 4


@blueprint.post("/api/v1/statuses")
async def create():
    account = await require_account(scope="write:statuses")
    key = request.headers.get("Idempotency-Key")
    idempotency_keys = current_app.config["API_IDEMPOTENCY_KEYS"]
    if key and (earlier := await idempotency_keys.post_for(account, key)) is not None:
        return jsonify(await status_json(earlier, account, services().media_links))
    params = await Params.read()
    text = params.text("status", "") or ""
    await _resolve_mentions(text)
    quote, quote_accepted = await _quote_target(account, params.text("quoted_status_id"))
    post = await statuses.post_status(
        account,
        text,
        visibility=params.text("visibility") or account.default_visibility or Visibility.PUBLIC,
        sensitive=params.flag("sensitive", default=account.default_sensitive),
        spoiler_text=params.text("spoiler_text", "") or "",
        in_reply_to=await _reply_target(account, params.text("in_reply_to_id")),
        media=await own_media(account, params.texts("media_ids")),
        language=language_tag(params.text("language")) or account.default_language,
        notes=services().notes,
        quote=quote,
        quote_accepted=quote_accepted,
        quote_policy=params.text("quote_approval_policy") or None,
        poll=poll_spec(params),
    )
    if key:
        idempotency_keys.remember(account, key, post)
    return jsonify(await status_json(post, account, services().media_links))


@blueprint.get("/api/v1/statuses/<status_id>")
async def show(status_id: str):
    viewer = await optional_account(scope="read:statuses")
    post = await visible_post(status_id, viewer)
    await asked_for_thread(post, viewer, _replies_refresh())
    return jsonify(await status_json(post, viewer, services().media_links))


@blueprint.get("/api/v1/statuses/<status_id>/context")
async def context(status_id: str):
    """The conversation: ancestors and descendants the caller may see."""
    viewer = await optional_account(scope="read:statuses")
    post = await visible_post(status_id, viewer)
    await asked_for_thread(post, viewer, _replies_refresh())
    links = services().media_links
    filters = await active_filters(viewer, "thread")
    return jsonify({
        "ancestors": filter_statuses(
            await statuses_json(await visible_ancestors(post, viewer), viewer, links), filters, viewer),
        "descendants": filter_statuses(
            await statuses_json(await visible_descendants(post, viewer), viewer, links), filters, viewer),
    })


def _replies_refresh() -> timedelta:
    return timedelta(minutes=services().settings.fetching.replies_refresh_minutes)


@blueprint.delete("/api/v1/statuses/<status_id>")
async def delete(status_id: str):
    account = await require_account(scope="write:statuses")
    post = await visible_post(status_id, account)
    if post.account_id != account.pk:
        raise ApiError(403, "This action is not allowed: only the author can delete a post")
    if post.boost_of_id is not None:
        raise unprocessable("this is a boost; undo it with /unreblog on the boosted post")
    document = await status_json(post, account, services().media_links)
    document["text"] = post.source_text  # Mastodon's "delete and redraft" starts from the source
    await statuses.delete_status(post)
    return jsonify(document)


@blueprint.post("/api/v1/statuses/<status_id>/favourite")
async def favourite(status_id: str):
    return await _act_on(status_id, relations.favourite, scope="write:favourites")


@blueprint.post("/api/v1/statuses/<status_id>/unfavourite")
async def unfavourite(status_id: str):
    return await _act_on(status_id, relations.unfavourite, scope="write:favourites")


@blueprint.post("/api/v1/statuses/<status_id>/reblog")
async def reblog(status_id: str):
    return await _act_on(status_id, relations.reblog, scope="write:statuses", answer_with_result=True)


@blueprint.post("/api/v1/statuses/<status_id>/unreblog")
async def unreblog(status_id: str):
    return await _act_on(status_id, relations.unreblog, scope="write:statuses")


async def _act_on(status_id: str, action: Callable[[Account, Post], Awaitable[Any]], *, scope: str,
                  answer_with_result: bool = False):
    """Do ``action`` on a post the caller may see (on the boosted post, for a boost) and
    answer with that post, or with what the action made (the boost, for ``reblog``)."""
    account = await require_account(scope=scope)
    post = await original_post(await visible_post(status_id, account), account)
    result = await action(account, post)
    return jsonify(await status_json(result if answer_with_result else post, account, services().media_links))


async def visible_post(status_id: str, viewer: Account | None) -> Post:
    """The post if ``viewer`` may see it; 404 otherwise, as for a post that does not exist."""
    post = await visible_posts(viewer).get_or_none(id=record_id(status_id)).select_related("account")
    if post is None:
        raise not_found("Status")
    return post


async def original_post(post: Post, viewer: Account) -> Post:
    """Acting on a boost acts on the boosted post, as Mastodon does."""
    if post.boost_of_id is None:
        return post
    return await visible_post(str(post.boost_of_id), viewer)


async def _reply_target(account: Account, status_id: str | None) -> Post | None:
    if not status_id:
        return None
    return await visible_post(status_id, account)


async def _quote_target(account: Account, status_id: str | None) -> tuple[Post | None, bool]:
    """The post to quote and whether the quote needs no asking; 422 when its author's
    policy does not let the caller quote it."""
    if not status_id:
        return None, False
    quoted = await original_post(await visible_post(status_id, account), account)
    permission = await quote_permission(quoted, account)
    if permission == DENIED:
        raise unprocessable("the author of that post does not let you quote it")
    return quoted, quoted.local or quoted.account_id == account.pk


async def _resolve_mentions(text: str) -> None:
    """Fetch the remote accounts a new post mentions that this server has not seen; one
    that cannot be found is refused by the outbox with its handle named."""
    local_host = services().settings.instance.domain.lower()
    for mention in find_mentions(text):
        if not mention.host or mention.host == local_host:
            continue
        if await Account.exists(username=mention.username, domain=mention.host):
            continue
        try:
            await services().resolver.account(f"{mention.username}@{mention.host}")
        except NotResolved:
            continue


async def own_media(account: Account, media_ids: list[str], post: Post | None = None) -> list[MediaAttachment]:
    """The caller's uploads named by ``media_ids``, in that order: unused ones, or those
    already on ``post`` (an edit keeping them)."""
    if len(media_ids) > MAX_MEDIA:
        raise unprocessable(f"a post may carry at most {MAX_MEDIA} media, not {len(media_ids)}")
    wanted = [_media_id(value) for value in media_ids]
    free = Q(post_id__isnull=True) | Q(post_id=post.pk) if post is not None else Q()
    found = {a.pk: a for a in await MediaAttachment.filter(free, id__in=wanted, account=account, remote_url=None)}
    missing = [str(i) for i in wanted if i not in found]
    if missing:
        raise unprocessable(f"media {', '.join(missing)} not found among your uploads")
    return [found[i] for i in wanted]


def language_tag(value: str | None) -> str | None:
    """A language as ISO 639 (``en``, ``pt-BR``); anything else is refused."""
    if value is None or value == "":
        return value
    if not re.fullmatch(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})?", value):
        raise unprocessable(f"language {value[:40]!r} is not a language code such as en or pt-BR")
    return value


def _media_id(value: str) -> int:
    if not value.isdigit() or int(value) > MAX_RECORD_ID:
        raise unprocessable(f"media id {value!r} is not a number")
    return int(value)
