"""``POST /api/v1/statuses``: a new status from a client, published now or scheduled.

The client's parameters (``status``, ``media_ids[]``, ``visibility``, ``sensitive``,
``spoiler_text``, ``in_reply_to_id``, ``language``, ``poll``, ``quoted_status_id``,
``quote_approval_policy``) are read once into a ``fediserver.posting.NewStatus`` with the
account's defaults filled in (``read_new_status``), then published through the one door,
``fediserver.posting.publish_new_status``, or checked and kept for later
(``fediserver.api.scheduled_statuses``).
"""

from __future__ import annotations

import re
from typing import Any

from quart import Blueprint, current_app, jsonify, request

from fediserver.api.auth import current_caller, require_account
from fediserver.api.context import services
from fediserver.api.params import Params
from fediserver.api.polls import poll_spec
from fediserver.api.scheduled_statuses import schedule, scheduled_status_json, scheduled_time
from fediserver.api.serializers import status_json
from fediserver.clock import utcnow
from fediserver.models import Account, Post, ScheduledStatus, Visibility
from fediserver.posting import NewStatus, check_new_status, publish_new_status
from fediserver.refusals import unprocessable

blueprint = Blueprint("api_new_status", __name__)


@blueprint.post("/api/v1/statuses")
async def create():
    """Publish a status now, or schedule it with ``scheduled_at`` (a time already passed
    publishes now, as Mastodon does); answers the Status or the ScheduledStatus."""
    account = await require_account(scope="write:statuses")
    key = request.headers.get("Idempotency-Key")
    idempotency_keys = current_app.config["API_IDEMPOTENCY_KEYS"]
    if key and (earlier := await idempotency_keys.earlier(account, key)) is not None:
        return jsonify(await _entity(earlier, account))
    params = await Params.read()
    caller = await current_caller()
    asked = read_new_status(params, account, application_id=caller.app.pk if caller.app is not None else None)
    when = scheduled_time(params.text("scheduled_at"))
    if when is not None and when > utcnow():
        targets = await check_new_status(account, asked, services())
        made: Post | ScheduledStatus = await schedule(account, asked.stored(), when, targets.media)
    else:
        made = await publish_new_status(account, asked, services())
    if key:
        idempotency_keys.remember(account, key, made)
    return jsonify(await _entity(made, account))


def read_new_status(params: Params, account: Account, *, application_id: int | None = None) -> NewStatus:
    """The client's parameters, the account's posting defaults where it sent none."""
    return NewStatus(
        text=params.text("status", "") or "",
        visibility=params.text("visibility") or account.default_visibility or Visibility.PUBLIC.value,
        sensitive=params.flag("sensitive", default=account.default_sensitive),
        spoiler_text=params.text("spoiler_text", "") or "",
        in_reply_to_id=params.text("in_reply_to_id") or None,
        media_ids=tuple(params.texts("media_ids")),
        language=language_tag(params.text("language")) or account.default_language,
        poll=poll_spec(params),
        quoted_status_id=params.text("quoted_status_id") or None,
        quote_approval_policy=params.text("quote_approval_policy") or None,
        application_id=application_id,
    )


async def _entity(made: Post | ScheduledStatus, account: Account) -> dict[str, Any]:
    if isinstance(made, ScheduledStatus):
        return await scheduled_status_json(made, account, services().media_links)
    return await status_json(made, account, services().media_links)


def language_tag(value: str | None) -> str | None:
    """A language as ISO 639 (``en``, ``pt-BR``); anything else is refused."""
    if value is None or value == "":
        return value
    if not re.fullmatch(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})?", value):
        raise unprocessable(f"language {value[:40]!r} is not a language code such as en or pt-BR")
    return value


