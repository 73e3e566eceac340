"""Accounts in the client API: who am I, looking an account up, following and unfollowing."""

from __future__ import annotations

from quart import Blueprint, current_app, jsonify, request

from fediserver.api.auth import ApiError, not_found, optional_account, require_account
from fediserver.api.notifications import notify_local
from fediserver.api.params import record_id
from fediserver.api.serializers import account_json, relationship_json
from fediserver.models import Account, Follow, FollowState, NotificationKind
from fediserver.models.accounts import LOCAL_DOMAIN
from outbox import relations

blueprint = Blueprint("api_accounts", __name__)


@blueprint.get("/api/v1/accounts/verify_credentials")
async def verify_credentials():
    return jsonify(await account_json(await require_account(), with_source=True))


@blueprint.get("/api/v1/accounts/lookup")
async def lookup():
    await optional_account()
    acct = (request.args.get("acct") or "").strip().removeprefix("@")
    if not acct:
        raise ApiError(422, "Validation failed: acct is required, e.g. ada or ada@art.example")
    username, _, host = acct.partition("@")
    local_host = current_app.config["SETTINGS"].instance.domain.lower()
    domain = LOCAL_DOMAIN if host.lower() in ("", local_host) else host.lower()
    account = await Account.get_or_none(username=username, domain=domain, suspended=False)
    if account is None:
        raise not_found("Account")
    return jsonify(await account_json(account))


@blueprint.get("/api/v1/accounts/relationships")
async def relationships():
    account = await require_account()
    ids = [record_id(value) for value in request.args.getlist("id[]") + request.args.getlist("id")]
    targets = {a.pk: a for a in await Account.filter(id__in=ids)}
    return jsonify([await relationship_json(account, targets[i]) for i in ids if i in targets])


@blueprint.get("/api/v1/accounts/<account_id>")
async def show(account_id: str):
    await optional_account()
    return jsonify(await account_json(await _target(account_id)))


@blueprint.post("/api/v1/accounts/<account_id>/follow")
async def follow(account_id: str):
    account = await require_account()
    target = await _target(account_id)
    already = await Follow.filter(follower=account, target=target, state=FollowState.ACCEPTED).exists()
    record = await relations.follow(account, target)
    if not already and record.state == FollowState.ACCEPTED:
        await notify_local(target, account, NotificationKind.FOLLOW)
    return jsonify(await relationship_json(account, target))


@blueprint.post("/api/v1/accounts/<account_id>/unfollow")
async def unfollow(account_id: str):
    account = await require_account()
    target = await _target(account_id)
    await relations.unfollow(account, target)
    return jsonify(await relationship_json(account, target))


async def _target(account_id: str) -> Account:
    account = await Account.get_or_none(id=record_id(account_id), suspended=False)
    if account is None:
        raise not_found("Account")
    return account
