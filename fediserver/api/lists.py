"""Lists in the client API: an artist's lists of accounts they follow, their members and
the lists an account is in. A list's timeline is in ``fediserver.api.timelines``, its rule in
``fediserver.list_timeline``.

Only followed accounts may join a list, and a list shows only the members still
followed (an unfollow or a block takes them out of its timeline and member list at once).
"""

from __future__ import annotations

from typing import Any

from quart import Blueprint, jsonify, request

from fediserver.api.auth import require_account
from fediserver.api.pagination import Page, link_header
from fediserver.api.params import Params
from fediserver.api.serializers import accounts_json
from fediserver.list_timeline import current_members
from fediserver.models import Account, AccountList, Follow, ListMember, RepliesPolicy
from fediserver.refusals import not_found, record_id, unprocessable

blueprint = Blueprint("api_lists", __name__)

MAX_TITLE = 255


def list_json(record: AccountList) -> dict[str, Any]:
    return {"id": str(record.pk), "title": record.title, "replies_policy": record.replies_policy.value,
            "exclusive": record.exclusive}


async def own_list(account: Account, list_id: str) -> AccountList:
    record = await AccountList.get_or_none(id=record_id(list_id), account=account)
    if record is None:
        raise not_found("List")
    return record


@blueprint.get("/api/v1/lists")
async def index():
    account = await require_account(scope="read:lists")
    return jsonify([list_json(r) for r in await AccountList.filter(account=account).order_by("title", "id")])


@blueprint.get("/api/v1/lists/<list_id>")
async def show(list_id: str):
    account = await require_account(scope="read:lists")
    return jsonify(list_json(await own_list(account, list_id)))


@blueprint.post("/api/v1/lists")
async def create():
    account = await require_account(scope="write:lists")
    params = await Params.read()
    record = await AccountList.create(
        account=account, title=_title(params.text("title")),
        replies_policy=_replies_policy(params.text("replies_policy")), exclusive=params.flag("exclusive"),
    )
    return jsonify(list_json(record))


@blueprint.put("/api/v1/lists/<list_id>")
async def update(list_id: str):
    account = await require_account(scope="write:lists")
    record = await own_list(account, list_id)
    params = await Params.read()
    if params.text("title") is not None:
        record.title = _title(params.text("title"))
    if params.text("replies_policy") is not None:
        record.replies_policy = _replies_policy(params.text("replies_policy"))
    if params.text("exclusive") is not None:
        record.exclusive = params.flag("exclusive")
    await record.save()
    return jsonify(list_json(record))


@blueprint.delete("/api/v1/lists/<list_id>")
async def delete(list_id: str):
    account = await require_account(scope="write:lists")
    await (await own_list(account, list_id)).delete()
    return jsonify({})


@blueprint.get("/api/v1/lists/<list_id>/accounts")
async def members(list_id: str):
    """The members, paged by when they joined; ``limit=0`` gives them all."""
    account = await require_account(scope="read:lists")
    record = await own_list(account, list_id)
    query = ListMember.filter(list_id=record.pk, account_id__in=current_members(record)).select_related("account")
    if request.args.get("limit") == "0":
        rows, headers = list(await query.order_by("-id")), {}
    else:
        rows = await Page.from_request().rows(query)
        headers = link_header(rows)
    rendered = await accounts_json(row.account for row in rows)
    return jsonify([rendered[row.account_id] for row in rows]), 200, headers


@blueprint.post("/api/v1/lists/<list_id>/accounts")
async def add_members(list_id: str):
    account = await require_account(scope="write:lists")
    record = await own_list(account, list_id)
    ids = await _account_ids()
    followed = set(await Follow.accepted().filter(follower=account, target_id__in=ids).values_list("target_id", flat=True))
    if not_followed := [str(i) for i in ids if i not in followed]:
        raise unprocessable(f"only accounts you follow can be added to a list, not {', '.join(not_followed)}")
    for target_id in ids:
        await ListMember.get_or_create(list_id=record.pk, account_id=target_id)
    return jsonify({})


@blueprint.delete("/api/v1/lists/<list_id>/accounts")
async def remove_members(list_id: str):
    account = await require_account(scope="write:lists")
    record = await own_list(account, list_id)
    await ListMember.filter(list_id=record.pk, account_id__in=await _account_ids()).delete()
    return jsonify({})


@blueprint.get("/api/v1/accounts/<account_id>/lists")
async def lists_with(account_id: str):
    """The caller's lists that hold the account."""
    account = await require_account(scope="read:lists")
    target = record_id(account_id)
    records = await AccountList.filter(account=account, members__account_id=target).order_by("title", "id")
    return jsonify([list_json(r) for r in records])


async def _account_ids() -> list[int]:
    given = (await Params.read()).texts("account_ids")
    if not given:
        raise unprocessable("account_ids is required")
    ids = [record_id(value) for value in given]
    known = set(await Account.filter(id__in=ids).values_list("id", flat=True))
    if missing := [str(i) for i in ids if i not in known]:
        raise not_found(f"Account {', '.join(missing)}")
    return ids


def _title(given: str | None) -> str:
    title = (given or "").strip()
    if not title:
        raise unprocessable("title can't be blank")
    if len(title) > MAX_TITLE:
        raise unprocessable(f"title is too long (at most {MAX_TITLE} characters)")
    return title


def _replies_policy(given: str | None) -> RepliesPolicy:
    try:
        return RepliesPolicy(given or RepliesPolicy.LIST)
    except ValueError:
        raise unprocessable(f"replies_policy must be followed, list or none, not {given!r}") from None
