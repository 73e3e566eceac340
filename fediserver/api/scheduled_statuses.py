"""Scheduled statuses in the client API, as Mastodon serves them.

A status posted with ``scheduled_at`` at least ``MIN_AHEAD`` (5 minutes) ahead is not
published: ``schedule`` keeps it as a ``ScheduledStatus`` row (what was asked, checked
first by ``fediserver.posting.check_new_status``) and its uploads are held by it,
so no other post takes them. ``GET /api/v1/scheduled_statuses`` (paged) and ``/:id`` show
an artist's own, ``PUT /:id`` moves one to another time (the same 5-minute rule),
``DELETE /:id`` drops it and frees its uploads; anyone else's is 404. As on Mastodon an
account has at most ``TOTAL_LIMIT`` waiting, ``DAILY_LIMIT`` of them on one (UTC) day.
The ``scheduled-statuses`` job publishes them when due (``fediserver.scheduled_publishing``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from quart import Blueprint, jsonify
from tortoise.transactions import in_transaction

from fediserver.api.auth import require_account
from fediserver.api.context import services
from fediserver.api.pagination import Page, link_header
from fediserver.api.params import Params
from fediserver.api.serializers import iso, media_json
from fediserver.clock import utcnow
from fediserver.models import Account, MediaAttachment, ScheduledStatus
from fediserver.posting import drop_scheduled
from fediserver.refusals import not_found, record_id, unprocessable
from media.labels import MediaLabels
from media.links import MediaLinks

blueprint = Blueprint("api_scheduled_statuses", __name__)

MIN_AHEAD = timedelta(minutes=5)
TOTAL_LIMIT = 300
DAILY_LIMIT = 25


def scheduled_time(value: str | None) -> datetime | None:
    """``scheduled_at`` as an aware UTC time (ISO 8601; a time without an offset is UTC);
    None when not sent; 422 when it is no date and time."""
    if value is None or not value.strip():
        return None
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        raise unprocessable(f"scheduled_at {value[:60]!r} is not an ISO 8601 date and time") from None
    if moment.year > 9998:
        raise unprocessable(f"scheduled_at {value[:60]!r} is too far in the future")
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


async def schedule(account: Account, params: dict[str, Any], when: datetime,
                   media: Sequence[MediaAttachment]) -> ScheduledStatus:
    """Keep a checked new status (``NewStatus.stored()``) to be published at ``when``,
    holding its ``media``; 422 when ``when`` is too soon or the account's limits are reached,
    or when another post or scheduled status took an upload meanwhile."""
    _check_ahead(when)
    if await ScheduledStatus.filter(account_id=account.pk).count() >= TOTAL_LIMIT:
        raise unprocessable(f"you have reached the limit of {TOTAL_LIMIT} scheduled statuses")
    await _check_day(account, when)
    async with in_transaction():
        row = await ScheduledStatus.create(account=account, scheduled_at=when, params=params)
        wanted = {attachment.pk for attachment in media}
        if wanted:
            held = await MediaAttachment.unused().filter(id__in=wanted, account_id=account.pk) \
                .update(scheduled_status_id=row.pk)
            if held != len(wanted):  # taken by another post since it was checked: store nothing
                raise unprocessable("an upload it names is already used by another post or scheduled status")
    return row


@blueprint.get("/api/v1/scheduled_statuses")
async def index():
    """The caller's scheduled statuses, newest first, paged by id with a ``Link`` header."""
    account = await require_account(scope="read:statuses")
    rows = await Page.from_request().rows(ScheduledStatus.filter(account_id=account.pk))
    documents = await scheduled_statuses_json(rows, account, services().media_links)
    return jsonify(documents), 200, link_header(rows)


@blueprint.get("/api/v1/scheduled_statuses/<scheduled_id>")
async def show(scheduled_id: str):
    account = await require_account(scope="read:statuses")
    row = await _own(account, scheduled_id)
    return jsonify(await scheduled_status_json(row, account, services().media_links))


@blueprint.put("/api/v1/scheduled_statuses/<scheduled_id>")
async def update(scheduled_id: str):
    """Move a scheduled status to another time (nothing else of it changes)."""
    account = await require_account(scope="write:statuses")
    row = await _own(account, scheduled_id)
    params = await Params.read()
    when = scheduled_time(params.text("scheduled_at"))
    if when is None:
        raise unprocessable("scheduled_at is required")
    _check_ahead(when)
    await _check_day(account, when, leaving=row)
    if not await ScheduledStatus.filter(id=row.pk).update(scheduled_at=when, claimed_until=None, claimed_by=None):
        raise not_found("Scheduled status")  # published or deleted meanwhile
    row.scheduled_at = when
    return jsonify(await scheduled_status_json(row, account, services().media_links))


@blueprint.delete("/api/v1/scheduled_statuses/<scheduled_id>")
async def delete(scheduled_id: str):
    """Drop a scheduled status; its uploads are free again."""
    account = await require_account(scope="write:statuses")
    row = await _own(account, scheduled_id)
    await drop_scheduled(row)
    return jsonify({})


async def scheduled_status_json(row: ScheduledStatus, viewer: Account, links: MediaLinks) -> dict[str, Any]:
    [document] = await scheduled_statuses_json([row], viewer, links)
    return document


async def scheduled_statuses_json(rows: Sequence[ScheduledStatus], viewer: Account,
                                  links: MediaLinks) -> list[dict[str, Any]]:
    """Mastodon's ScheduledStatus entity for each row: ``params`` as they will be posted,
    ``media_attachments`` the uploads it holds, in the order it names them."""
    held: dict[int, dict[int, MediaAttachment]] = {}
    for attachment in await MediaAttachment.filter(scheduled_status_id__in=[row.pk for row in rows]):
        held.setdefault(attachment.scheduled_status_id, {})[attachment.pk] = attachment
    labels = MediaLabels(links.rules, viewer)
    documents = []
    for row in rows:
        params = row.params
        media = held.get(row.pk, {})
        ordered = [media[int(i)] for i in params.get("media_ids") or () if str(i).isdigit() and int(i) in media]
        documents.append({
            "id": str(row.pk),
            "scheduled_at": iso(row.scheduled_at),
            "params": _params_json(params),
            "media_attachments": [media_json(a, links, labels.verdict(a)) for a in ordered],
        })
    return documents


def _params_json(params: dict[str, Any]) -> dict[str, Any]:
    poll = params.get("poll")
    return {
        "text": params.get("text", ""),
        "poll": None if poll is None else {
            "options": list(poll["options"]), "expires_in": poll["expires_in"],
            "multiple": poll.get("multiple", False), "hide_totals": poll.get("hide_totals", False)},
        "media_ids": [str(i) for i in params.get("media_ids") or ()] or None,
        "sensitive": params.get("sensitive"),
        "spoiler_text": params.get("spoiler_text") or None,
        "visibility": params.get("visibility"),
        "in_reply_to_id": params.get("in_reply_to_id"),
        "language": params.get("language"),
        "application_id": params.get("application_id"),
        "quoted_status_id": params.get("quoted_status_id"),
        "quote_approval_policy": params.get("quote_approval_policy"),
        "scheduled_at": None,
        "idempotency": None,
        "with_rate_limit": False,
    }


async def _own(account: Account, scheduled_id: str) -> ScheduledStatus:
    """The caller's scheduled status; 404 for anyone else's, as for one that does not exist."""
    row = await ScheduledStatus.get_or_none(id=record_id(scheduled_id), account_id=account.pk)
    if row is None:
        raise not_found("Scheduled status")
    return row


def _check_ahead(when: datetime) -> None:
    if when < utcnow() + MIN_AHEAD:
        raise unprocessable("scheduled_at must be at least 5 minutes in the future")


async def _check_day(account: Account, when: datetime, *, leaving: ScheduledStatus | None = None) -> None:
    start = datetime(when.year, when.month, when.day, tzinfo=UTC)
    same_day = ScheduledStatus.filter(account_id=account.pk, scheduled_at__gte=start,
                                      scheduled_at__lt=start + timedelta(days=1))
    if leaving is not None:
        same_day = same_day.exclude(id=leaving.pk)
    if await same_day.count() >= DAILY_LIMIT:
        raise unprocessable(f"you have reached the limit of {DAILY_LIMIT} statuses scheduled for {start.date()}")
