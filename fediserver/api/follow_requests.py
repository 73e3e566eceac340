"""Follow requests in the client API: the accounts waiting for the artist's answer, and
the answer (``authorize`` or ``reject``), as Mastodon spells them. The answer goes
through ``outbox.relations``, which moves the follow and tells a remote follower's
server (Accept or Reject)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from quart import Blueprint, jsonify

from fediserver.api.auth import require_account
from fediserver.api.pagination import Page, link_header
from fediserver.api.serializers import accounts_json, relationship_json
from fediserver.models import Account, Follow
from fediserver.refusals import not_found, record_id
from outbox import relations

blueprint = Blueprint("api_follow_requests", __name__)


@blueprint.get("/api/v1/follow_requests")
async def index():
    """The accounts asking to follow the artist, newest request first (paged by request)."""
    account = await require_account(scope="read:follows")
    requests = await Page.from_request().rows(Follow.requests().filter(target=account).select_related("follower"))
    documents = await accounts_json(request.follower for request in requests)
    return jsonify([documents[request.follower_id] for request in requests]), 200, link_header(requests)


@blueprint.post("/api/v1/follow_requests/<account_id>/authorize")
async def authorize(account_id: str):
    return await _answer(account_id, relations.authorize_follow)


@blueprint.post("/api/v1/follow_requests/<account_id>/reject")
async def reject(account_id: str):
    return await _answer(account_id, relations.reject_follow)


async def _answer(account_id: str, answer: Callable[[Account, Account], Awaitable[Follow]]):
    """Answer the request of ``account_id`` to follow the caller; 404 when none waits."""
    account = await require_account(scope="write:follows")
    request = await Follow.requests().get_or_none(follower_id=record_id(account_id), target=account)
    if request is None:
        raise not_found("Follow request")
    requester = await request.follower
    await answer(account, requester)
    return jsonify(await relationship_json(account, requester))
