"""Web Push subscriptions in the client API, as Mastodon serves them (scope ``push``).

One subscription per access token: ``POST /api/v1/push/subscription`` makes it (replacing
the token's earlier one), ``GET`` shows it, ``PUT`` changes its alerts and policy only,
``DELETE`` removes it. Parameters come as a form (``subscription[keys][p256dh]``,
``data[alerts][mention]``) or as JSON objects; ``policy`` is also read at the top level,
where Mastodon.py sends it. The subscription's checks are ``fediserver.push.subscriptions``;
what is pushed and how, ``fediserver.push.sending``.
"""

from __future__ import annotations

from typing import Any

from quart import Blueprint, jsonify
from tortoise.transactions import in_transaction

from fediserver.api.auth import current_caller, require_account
from fediserver.api.context import services
from fediserver.api.params import FALSE, TRUE, Params
from fediserver.models import WebPushSubscription
from fediserver.push.keys import vapid_public_key
from fediserver.push.subscriptions import (
    ALERTS, SubscriptionError, check_endpoint, check_keys, check_policy, subscription_json,
)
from fediserver.refusals import ApiError, unprocessable

blueprint = Blueprint("api_push", __name__)


def _flag(name: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in TRUE:
        return True
    if text in FALSE:
        return False
    raise unprocessable(f"data[alerts][{name}] must be true or false, not {value!r}")


def _data(params: Params) -> tuple[dict[str, bool], str | None]:
    """The alerts given (only those named) and the policy, if given."""
    data = params.structure("data") or {}
    if not isinstance(data, dict):
        raise unprocessable("data must be an object")
    alerts = data.get("alerts") or {}
    if not isinstance(alerts, dict):
        raise unprocessable("data[alerts] must be an object")
    given = {name: _flag(name, value) for name, value in alerts.items() if name in ALERTS}
    policy = data.get("policy") if data.get("policy") is not None else params.text("policy")
    return given, policy


async def _token_subscription(token_id: int) -> WebPushSubscription:
    row = await WebPushSubscription.get_or_none(token_id=token_id)
    if row is None:
        raise ApiError(404, "Record not found")
    return row


async def _caller_token_id() -> int:
    await require_account(scope="push")
    caller = await current_caller()
    assert caller is not None
    return caller.token.pk


@blueprint.post("/api/v1/push/subscription")
async def create():
    token_id = await _caller_token_id()
    account = (await current_caller()).account
    params = await Params.read()
    subscription = params.structure("subscription") or {}
    if not isinstance(subscription, dict):
        raise unprocessable("subscription must be an object")
    keys = subscription.get("keys") or {}
    if not isinstance(keys, dict):
        raise unprocessable("subscription[keys] must be an object")
    alerts, policy = _data(params)
    try:
        endpoint = check_endpoint(subscription.get("endpoint"),
                                  allow_http=services().settings.federation.allow_private_addresses)
        p256dh, auth = check_keys(keys.get("p256dh"), keys.get("auth"))
        chosen_policy = check_policy(policy)
    except SubscriptionError as error:
        raise unprocessable(str(error)) from None
    standard = _flag("standard", subscription["standard"]) if subscription.get("standard") is not None else False
    async with in_transaction():
        await WebPushSubscription.filter(token_id=token_id).delete()
        row = await WebPushSubscription.create(
            account=account, token_id=token_id, endpoint=endpoint, p256dh=p256dh, auth=auth,
            alerts={name: alerts.get(name, False) for name in ALERTS}, policy=chosen_policy, standard=standard,
        )
    return jsonify(subscription_json(row, await vapid_public_key()))


@blueprint.get("/api/v1/push/subscription")
async def show():
    row = await _token_subscription(await _caller_token_id())
    return jsonify(subscription_json(row, await vapid_public_key()))


@blueprint.put("/api/v1/push/subscription")
async def update():
    row = await _token_subscription(await _caller_token_id())
    alerts, policy = _data(await Params.read())
    try:
        chosen_policy = check_policy(policy) if policy is not None else row.policy
    except SubscriptionError as error:
        raise unprocessable(str(error)) from None
    row.alerts = {**row.alerts, **alerts}
    row.policy = chosen_policy
    await row.save(update_fields=["alerts", "policy"])
    return jsonify(subscription_json(row, await vapid_public_key()))


@blueprint.delete("/api/v1/push/subscription")
async def delete():
    await WebPushSubscription.filter(token_id=await _caller_token_id()).delete()
    return jsonify({})
