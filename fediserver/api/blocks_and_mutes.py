"""Keeping others away in the client API: blocking (federated as Block and Undo Block;
follows both ways end), muting (for a while or for good, with or without notifications;
nothing is sent), private notes on accounts, and the lists of blocked and muted accounts.

What a block or a mute hides is decided in one place, ``fediserver.visibility``.
"""

from __future__ import annotations

from datetime import timedelta

from quart import Blueprint, jsonify

from fediserver.api.accounts import target_account
from fediserver.api.auth import require_account
from fediserver.api.pagination import Page, link_header
from fediserver.api.params import Params
from fediserver.api.serializers import accounts_json, iso, relationship_json
from fediserver.clock import utcnow
from fediserver.models import AccountNote, Block, Mute
from fediserver.refusals import unprocessable
from outbox import relations

blueprint = Blueprint("api_blocks_and_mutes", __name__)

MAX_NOTE = 2000
MAX_MUTE_SECONDS = 10 * 366 * 24 * 3600


@blueprint.post("/api/v1/accounts/<account_id>/block")
async def block(account_id: str):
    account = await require_account(scope="write:blocks")
    target = await target_account(account_id)
    await relations.block(account, target)
    return jsonify(await relationship_json(account, target))


@blueprint.post("/api/v1/accounts/<account_id>/unblock")
async def unblock(account_id: str):
    account = await require_account(scope="write:blocks")
    target = await target_account(account_id)
    await relations.unblock(account, target)
    return jsonify(await relationship_json(account, target))


@blueprint.post("/api/v1/accounts/<account_id>/mute")
async def mute(account_id: str):
    """Mute the account (``notifications``: its notifications too, the default;
    ``duration``: for that many seconds, 0 or none for good). Muting again changes both."""
    account = await require_account(scope="write:mutes")
    target = await target_account(account_id)
    if target.pk == account.pk:
        raise unprocessable("an account cannot mute itself")
    params = await Params.read()
    notifications = params.flag("notifications", default=True)
    expires_at = _mute_end(params.text("duration"))
    row, created = await Mute.get_or_create(account=account, target=target,
                                            defaults={"notifications": notifications, "expires_at": expires_at})
    if not created:
        row.notifications, row.expires_at = notifications, expires_at
        await row.save(update_fields=["notifications", "expires_at"])
    return jsonify(await relationship_json(account, target))


@blueprint.post("/api/v1/accounts/<account_id>/unmute")
async def unmute(account_id: str):
    account = await require_account(scope="write:mutes")
    target = await target_account(account_id)
    await Mute.filter(account=account, target=target).delete()
    return jsonify(await relationship_json(account, target))


@blueprint.post("/api/v1/accounts/<account_id>/note")
async def note(account_id: str):
    """Set the caller's private note on the account; an empty ``comment`` removes it."""
    account = await require_account(scope="write:accounts")
    target = await target_account(account_id)
    comment = ((await Params.read()).text("comment") or "").strip()
    if len(comment) > MAX_NOTE:
        raise unprocessable(f"comment is too long (at most {MAX_NOTE} characters)")
    if comment:
        await AccountNote.update_or_create(account=account, target=target, defaults={"comment": comment})
    else:
        await AccountNote.filter(account=account, target=target).delete()
    return jsonify(await relationship_json(account, target))


@blueprint.get("/api/v1/blocks")
async def blocks():
    account = await require_account(scope="read:blocks")
    rows = await Page.from_request().rows(Block.filter(account=account).select_related("target"))
    rendered = await accounts_json(row.target for row in rows)
    return jsonify([rendered[row.target_id] for row in rows]), 200, link_header(rows)


@blueprint.get("/api/v1/mutes")
async def mutes():
    """The accounts muted now, each with ``mute_expires_at``."""
    account = await require_account(scope="read:mutes")
    current = Mute.in_force(account=account)
    rows = await Page.from_request().rows(current.select_related("target"))
    rendered = await accounts_json(row.target for row in rows)
    return jsonify([rendered[row.target_id] | {"mute_expires_at": iso(row.expires_at)} for row in rows]), 200, \
        link_header(rows)


def _mute_end(duration: str | None):
    given = (duration or "").strip()
    if not given:
        return None
    try:
        seconds = int(float(given))
    except (ValueError, OverflowError):
        raise unprocessable(f"duration must be a number of seconds, not {given!r}") from None
    if not 0 <= seconds <= MAX_MUTE_SECONDS:
        raise unprocessable(f"duration must be between 0 (for good) and {MAX_MUTE_SECONDS} seconds")
    return utcnow() + timedelta(seconds=seconds) if seconds else None
