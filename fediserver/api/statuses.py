"""Statuses in the client API: reading (with the conversation around a status),
deleting, favouriting and boosting; posting is ``new_status``. Everything that leaves the
server goes through the outbox actions (``outbox.statuses``, ``outbox.relations``) and
the delivery queue."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from quart import Blueprint, jsonify

from fediserver.api.auth import optional_account, require_account
from fediserver.api.context import services
from fediserver.api.filtering import active_filters, filter_statuses, mark_filtered
from fediserver.api.conversation import asked_for_thread, visible_ancestors, visible_descendants
from fediserver.api.serializers import status_json, statuses_json
from fediserver.models import Account, Post
from fediserver.refusals import ApiError, unprocessable
from fediserver.visibility import original_post, visible_post
from outbox import relations, statuses

blueprint = Blueprint("api_statuses", __name__)


@blueprint.get("/api/v1/statuses/<status_id>")
async def show(status_id: str):
    viewer = await optional_account(scope="read:statuses")
    post = await visible_post(status_id, viewer)
    await asked_for_thread(post, viewer, _replies_refresh())
    document = await status_json(post, viewer, services().media_links)
    return jsonify(mark_filtered(document, await active_filters(viewer, "thread"), viewer))


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
