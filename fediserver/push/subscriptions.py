"""Push subscriptions: what an app may subscribe with, how Mastodon shows one, and who
gets a push for a new notification.

``check_endpoint`` and ``check_keys`` refuse (422) what could never be pushed to: an
endpoint that is not https (http only where ``federation.allow_private_addresses`` is on,
for test rigs), a ``p256dh`` that is no P-256 point, an ``auth`` secret that is not 16
bytes. ``queue_pushes`` is called by ``notify`` (the one door for notifications) and
queues one ``WebPushDelivery`` per subscription of the recipient whose alerts and
policy want it; nothing is sent in the request that made the notification.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

import httpx
from cryptography.hazmat.primitives.asymmetric import ec

from fediserver.clock import utcnow
from fediserver.models import Account, Follow, Notification, PushPolicy, WebPushDelivery, WebPushSubscription

# Mastodon's alert names, in the order its answers list them.
ALERTS = ("mention", "status", "reblog", "follow", "follow_request", "favourite", "poll", "update",
          "admin.sign_up", "admin.report", "quote")


class SubscriptionError(ValueError):
    """What the app sent cannot be a push subscription (answered 422)."""


def decode_key(value: str | None, name: str) -> bytes:
    """A key as apps send it: base64, standard or URL-safe, padded or not."""
    text = (value or "").strip()
    if not text:
        raise SubscriptionError(f"subscription[keys][{name}] is missing")
    try:
        return base64.urlsafe_b64decode(text.replace("+", "-").replace("/", "_") + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        raise SubscriptionError(f"subscription[keys][{name}] is not base64") from None


def check_keys(p256dh: str | None, auth: str | None) -> tuple[str, str]:
    """The keys as URL-safe base64 without padding, once they are known to be usable."""
    point = decode_key(p256dh, "p256dh")
    try:
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), point)
    except ValueError:
        raise SubscriptionError("subscription[keys][p256dh] is not a P-256 public key") from None
    secret = decode_key(auth, "auth")
    if len(secret) != 16:
        raise SubscriptionError("subscription[keys][auth] must be 16 bytes")
    encode = lambda raw: base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")  # noqa: E731
    return encode(point), encode(secret)


def check_endpoint(value: str | None, *, allow_http: bool) -> str:
    endpoint = (value or "").strip()
    if not endpoint:
        raise SubscriptionError("subscription[endpoint] is missing")
    if len(endpoint) > 2048:
        raise SubscriptionError("subscription[endpoint] is too long")
    try:
        url = httpx.URL(endpoint)
    except (httpx.InvalidURL, TypeError):
        raise SubscriptionError("subscription[endpoint] is not a URL") from None
    schemes = ("https", "http") if allow_http else ("https",)
    if url.scheme not in schemes or not url.host or url.userinfo:
        raise SubscriptionError("subscription[endpoint] must be an https URL")
    return endpoint


def check_policy(value: str | None) -> PushPolicy:
    try:
        return PushPolicy(value or "all")
    except ValueError:
        raise SubscriptionError("data[policy] must be one of all, followed, follower, none") from None


def subscription_json(row: WebPushSubscription, server_key: str) -> dict[str, Any]:
    """Mastodon's WebPushSubscription entity."""
    return {
        "id": str(row.pk),
        "endpoint": row.endpoint,
        "standard": row.standard,
        "alerts": {name: bool(row.alerts.get(name, False)) for name in ALERTS},
        "policy": row.policy.value if isinstance(row.policy, PushPolicy) else row.policy,
        "server_key": server_key,
    }


async def _policy_allows(policy: PushPolicy, recipient: Account, sender: Account) -> bool:
    if policy == PushPolicy.ALL:
        return True
    if policy == PushPolicy.FOLLOWED:
        return await Follow.accepted().filter(follower_id=recipient.pk, target_id=sender.pk).exists()
    if policy == PushPolicy.FOLLOWER:
        return await Follow.accepted().filter(follower_id=sender.pk, target_id=recipient.pk).exists()
    return False


async def queue_pushes(notification: Notification, recipient: Account, sender: Account) -> int:
    """Queue a push of ``notification`` to each subscription of ``recipient`` that wants
    it (its alert for the kind is on, its policy lets ``sender`` through); returns how many."""
    alert = notification.kind.value if hasattr(notification.kind, "value") else str(notification.kind)
    if alert not in ALERTS:
        return 0
    rows = await WebPushSubscription.filter(account_id=recipient.pk, token__revoked_at__isnull=True)
    wanted = [row for row in rows if row.alerts.get(alert) and await _policy_allows(row.policy, recipient, sender)]
    now = utcnow()
    for row in wanted:
        await WebPushDelivery.create(subscription_id=row.pk, notification_id=notification.pk, due_at=now)
    return len(wanted)
