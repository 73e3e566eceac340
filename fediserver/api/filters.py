"""Filters in the client API: ``/api/v2/filters`` (a filter with its keywords and
filtered statuses, each also a sub-resource) and ``/api/v1/filters``, the older view in
which each keyword is a filter of its own. What filters do to the lists is in
``fediserver.api.filtering``."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from quart import Blueprint, jsonify
from tortoise.transactions import in_transaction

from fediserver.api.auth import require_account
from fediserver.api.filtering import CONTEXTS, filter_json, filtered_status_json, keyword_json
from fediserver.api.params import Params
from fediserver.api.serializers import iso
from fediserver.clock import utcnow
from fediserver.models import Account, Filter, FilterAction, FilterKeyword, FilterStatus
from fediserver.refusals import not_found, record_id, unprocessable
from fediserver.visibility import visible_posts

blueprint = Blueprint("api_filters", __name__)

MAX_KEYWORD = 255
MAX_EXPIRY_SECONDS = 10 * 366 * 24 * 3600
READ, WRITE = "read:filters", "write:filters"


# v2: filters


@blueprint.get("/api/v2/filters")
async def index():
    account = await require_account(scope=READ)
    records = await Filter.filter(account=account).order_by("id").prefetch_related("keywords", "statuses")
    return jsonify([filter_json(r) for r in records])


@blueprint.get("/api/v2/filters/<filter_id>")
async def show(filter_id: str):
    account = await require_account(scope=READ)
    return jsonify(filter_json(await _own_filter(account, filter_id)))


@blueprint.post("/api/v2/filters")
async def create():
    account = await require_account(scope=WRITE)
    params = await Params.read()
    title = _title(params.text("title"))
    context = _context(params)
    action = _action(params.text("filter_action"))
    expires_at = _expiry(params)
    keywords = [_keyword_values(item) for item in params.items("keywords_attributes")]
    async with in_transaction():
        record = await Filter.create(account=account, title=title, context=context, action=action,
                                     expires_at=expires_at)
        for keyword, whole_word in keywords:
            await FilterKeyword.create(parent_filter=record, keyword=keyword, whole_word=whole_word)
    return jsonify(filter_json(await _own_filter(account, str(record.pk))))


@blueprint.put("/api/v2/filters/<filter_id>")
async def update(filter_id: str):
    """Change what is sent; ``keywords_attributes`` items with an ``id`` change (or, with
    ``_destroy``, remove) that keyword, those without add one."""
    account = await require_account(scope=WRITE)
    record = await _own_filter(account, filter_id)
    params = await Params.read()
    if params.text("title") is not None:
        record.title = _title(params.text("title"))
    if params.texts("context"):
        record.context = _context(params)
    if params.text("filter_action") is not None:
        record.action = _action(params.text("filter_action"))
    if params.text("expires_in") is not None:
        record.expires_at = _expiry(params)
    changes = params.items("keywords_attributes")
    known = {str(k.pk): k for k in record.keywords}
    async with in_transaction():
        await record.save()
        for item in changes:
            given_id = str(item.get("id") or "")
            if given_id and given_id not in known:
                raise not_found("Filter keyword")
            if given_id and _truthy(item.get("_destroy")):
                await known[given_id].delete()
            elif given_id:
                keyword, whole_word = _keyword_values({**_keyword_dict(known[given_id]), **item})
                await FilterKeyword.filter(id=known[given_id].pk).update(keyword=keyword, whole_word=whole_word)
            else:
                keyword, whole_word = _keyword_values(item)
                await FilterKeyword.create(parent_filter=record, keyword=keyword, whole_word=whole_word)
    return jsonify(filter_json(await _own_filter(account, filter_id)))


@blueprint.delete("/api/v2/filters/<filter_id>")
async def delete(filter_id: str):
    account = await require_account(scope=WRITE)
    await (await _own_filter(account, filter_id)).delete()
    return jsonify({})


# v2: a filter's keywords


@blueprint.get("/api/v2/filters/<filter_id>/keywords")
async def keywords(filter_id: str):
    account = await require_account(scope=READ)
    record = await _own_filter(account, filter_id)
    return jsonify([keyword_json(k) for k in sorted(record.keywords, key=lambda k: k.pk)])


@blueprint.post("/api/v2/filters/<filter_id>/keywords")
async def add_keyword(filter_id: str):
    account = await require_account(scope=WRITE)
    record = await _own_filter(account, filter_id)
    params = await Params.read()
    keyword, whole_word = _keyword_values({"keyword": params.text("keyword"), "whole_word": params.text("whole_word")})
    return jsonify(keyword_json(await FilterKeyword.create(parent_filter=record, keyword=keyword, whole_word=whole_word)))


@blueprint.get("/api/v2/filters/keywords/<keyword_id>")
async def show_keyword(keyword_id: str):
    account = await require_account(scope=READ)
    return jsonify(keyword_json(await _own_keyword(account, keyword_id)))


@blueprint.put("/api/v2/filters/keywords/<keyword_id>")
async def update_keyword(keyword_id: str):
    account = await require_account(scope=WRITE)
    row = await _own_keyword(account, keyword_id)
    params = await Params.read()
    given = {name: params.text(name) for name in ("keyword", "whole_word") if params.text(name) is not None}
    row.keyword, row.whole_word = _keyword_values({**_keyword_dict(row), **given})
    await row.save()
    return jsonify(keyword_json(row))


@blueprint.delete("/api/v2/filters/keywords/<keyword_id>")
async def delete_keyword(keyword_id: str):
    account = await require_account(scope=WRITE)
    await (await _own_keyword(account, keyword_id)).delete()
    return jsonify({})


# v2: a filter's statuses


@blueprint.get("/api/v2/filters/<filter_id>/statuses")
async def statuses(filter_id: str):
    account = await require_account(scope=READ)
    record = await _own_filter(account, filter_id)
    return jsonify([filtered_status_json(s) for s in sorted(record.statuses, key=lambda s: s.pk)])


@blueprint.post("/api/v2/filters/<filter_id>/statuses")
async def add_status(filter_id: str):
    account = await require_account(scope=WRITE)
    record = await _own_filter(account, filter_id)
    params = await Params.read()
    given = params.text("status_id") or ""
    post = await visible_posts(account).get_or_none(id=record_id(given)) if given.isdigit() else None
    if post is None:
        raise unprocessable("status_id must name a status you can see")
    row, _ = await FilterStatus.get_or_create(parent_filter=record, post=post)
    return jsonify(filtered_status_json(row))


@blueprint.get("/api/v2/filters/statuses/<row_id>")
async def show_status(row_id: str):
    account = await require_account(scope=READ)
    return jsonify(filtered_status_json(await _own_filtered_status(account, row_id)))


@blueprint.delete("/api/v2/filters/statuses/<row_id>")
async def delete_status(row_id: str):
    account = await require_account(scope=WRITE)
    await (await _own_filtered_status(account, row_id)).delete()
    return jsonify({})


# v1: one keyword, one filter


@blueprint.get("/api/v1/filters")
async def v1_index():
    account = await require_account(scope=READ)
    rows = await FilterKeyword.filter(parent_filter__account=account).order_by("id").select_related("parent_filter")
    return jsonify([_v1_json(row) for row in rows])


@blueprint.get("/api/v1/filters/<keyword_id>")
async def v1_show(keyword_id: str):
    account = await require_account(scope=READ)
    return jsonify(_v1_json(await _own_keyword(account, keyword_id)))


@blueprint.post("/api/v1/filters")
async def v1_create():
    account = await require_account(scope=WRITE)
    params = await Params.read()
    keyword, whole_word = _keyword_values({"keyword": params.text("phrase"), "whole_word": params.text("whole_word")})
    context = _context(params)
    action = FilterAction.HIDE if params.flag("irreversible") else FilterAction.WARN
    expires_at = _expiry(params)
    async with in_transaction():
        record = await Filter.create(account=account, title=keyword, context=context, action=action,
                                     expires_at=expires_at)
        row = await FilterKeyword.create(parent_filter=record, keyword=keyword, whole_word=whole_word)
    return jsonify(_v1_json(await _own_keyword(account, str(row.pk))))


@blueprint.put("/api/v1/filters/<keyword_id>")
async def v1_update(keyword_id: str):
    account = await require_account(scope=WRITE)
    row = await _own_keyword(account, keyword_id)
    record = row.parent_filter
    params = await Params.read()
    given = {"keyword": params.text("phrase"), "whole_word": params.text("whole_word")}
    row.keyword, row.whole_word = _keyword_values({**_keyword_dict(row), **{k: v for k, v in given.items() if v is not None}})
    if params.texts("context"):
        record.context = _context(params)
    if params.text("irreversible") is not None:
        record.action = FilterAction.HIDE if params.flag("irreversible") else FilterAction.WARN
    if params.text("expires_in") is not None:
        record.expires_at = _expiry(params)
    async with in_transaction():
        await row.save()
        await record.save()
    return jsonify(_v1_json(row))


@blueprint.delete("/api/v1/filters/<keyword_id>")
async def v1_delete(keyword_id: str):
    """Remove the keyword, and its filter with it when nothing else is left in it."""
    account = await require_account(scope=WRITE)
    row = await _own_keyword(account, keyword_id)
    async with in_transaction():
        await row.delete()
        record = row.parent_filter
        if not await FilterKeyword.exists(parent_filter=record) and not await FilterStatus.exists(parent_filter=record):
            await record.delete()
    return jsonify({})


def _v1_json(row: FilterKeyword) -> dict[str, Any]:
    record = row.parent_filter
    return {
        "id": str(row.pk),
        "phrase": row.keyword,
        "context": list(record.context or []),
        "whole_word": row.whole_word,
        "expires_at": iso(record.expires_at),
        "irreversible": record.action == FilterAction.HIDE,
    }


# Reading and checking what was sent


async def _own_filter(account: Account, filter_id: str) -> Filter:
    record = await Filter.get_or_none(id=record_id(filter_id), account=account).prefetch_related("keywords", "statuses")
    if record is None:
        raise not_found("Filter")
    return record


async def _own_keyword(account: Account, keyword_id: str) -> FilterKeyword:
    row = await FilterKeyword.get_or_none(id=record_id(keyword_id), parent_filter__account=account) \
        .select_related("parent_filter")
    if row is None:
        raise not_found("Filter")
    return row


async def _own_filtered_status(account: Account, row_id: str) -> FilterStatus:
    row = await FilterStatus.get_or_none(id=record_id(row_id), parent_filter__account=account)
    if row is None:
        raise not_found("Filter status")
    return row


def _title(given: str | None) -> str:
    title = (given or "").strip()
    if not title:
        raise unprocessable("title can't be blank")
    if len(title) > 255:
        raise unprocessable("title is too long (at most 255 characters)")
    return title


def _context(params: Params) -> list[str]:
    context = list(dict.fromkeys(params.texts("context")))
    if not context:
        raise unprocessable(f"context can't be blank: one or more of {', '.join(CONTEXTS)}")
    unknown = [c for c in context if c not in CONTEXTS]
    if unknown:
        raise unprocessable(f"context {', '.join(unknown)} is not one of {', '.join(CONTEXTS)}")
    return context


def _action(given: str | None) -> FilterAction:
    try:
        return FilterAction(given or "warn")
    except ValueError:
        raise unprocessable(f"filter_action must be warn or hide, not {given!r}") from None


def _expiry(params: Params):
    """``expires_in`` seconds from now; empty: never."""
    given = (params.text("expires_in") or "").strip()
    if not given:
        return None
    try:
        seconds = int(float(given))
    except (ValueError, OverflowError):
        raise unprocessable(f"expires_in must be a number of seconds, not {given!r}") from None
    if not 0 < seconds <= MAX_EXPIRY_SECONDS:
        raise unprocessable(f"expires_in must be between 1 and {MAX_EXPIRY_SECONDS} seconds")
    return utcnow() + timedelta(seconds=seconds)


def _truthy(value: Any) -> bool:
    return value is True or str(value).strip().lower() in ("1", "true", "t", "on", "yes")


def _keyword_dict(row: FilterKeyword) -> dict[str, Any]:
    return {"keyword": row.keyword, "whole_word": row.whole_word}


def _keyword_values(item: dict[str, Any]) -> tuple[str, bool]:
    keyword = str(item.get("keyword") or "").strip()
    if not keyword:
        raise unprocessable("keyword can't be blank")
    if len(keyword) > MAX_KEYWORD:
        raise unprocessable(f"keyword is too long (at most {MAX_KEYWORD} characters)")
    whole_word = item.get("whole_word")
    return keyword, True if whole_word is None or str(whole_word) == "" else _truthy(whole_word)
