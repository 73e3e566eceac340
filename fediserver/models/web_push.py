"""Web Push: the instance's VAPID key, the subscriptions apps make, and the pushes waiting to go.

A ``WebPushSubscription`` belongs to one access token (one per token, as on Mastodon):
where the push service wants pushes (``endpoint``), the browser's or app's keys to
encrypt them for (``p256dh``, ``auth``), which kinds of notification it wants
(``alerts``) and from whom (``policy``). Revoking the token drops it.

A ``WebPushDelivery`` is one notification to push to one subscription: a durable queue
row, claimed like any other (``claim_due``) by the ``web-push`` job
(``fediserver.push.sending``), deleted once it is sent or given up.

``VapidKey`` is the instance's P-256 key pair that signs every push (RFC 8292); one row,
made the first time it is needed, so all processes on one database sign alike.
"""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model


class PushPolicy(StrEnum):
    """From whom a subscription wants pushes (Mastodon's ``data[policy]``)."""

    ALL = "all"
    FOLLOWED = "followed"  # only from accounts the subscriber follows
    FOLLOWER = "follower"  # only from accounts that follow the subscriber
    NONE = "none"


class VapidKey(Model):
    id = fields.BigIntField(primary_key=True)
    # Unique, so two processes making the key at once keep one.
    name = fields.CharField(max_length=32, unique=True, default="instance")
    private_key_pem = fields.TextField()
    # The uncompressed public point, URL-safe base64 without padding (what apps are given).
    public_key = fields.CharField(max_length=128)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "vapid_keys"


class WebPushSubscription(Model):
    id = fields.BigIntField(primary_key=True)
    account = fields.ForeignKeyField("models.Account", related_name="push_subscriptions", on_delete=fields.CASCADE)
    token = fields.OneToOneField("models.ApiToken", related_name="push_subscription", on_delete=fields.CASCADE)
    endpoint = fields.CharField(max_length=2048)
    # The subscriber's P-256 public key and 16-byte auth secret, URL-safe base64.
    p256dh = fields.CharField(max_length=128)
    auth = fields.CharField(max_length=64)
    # Notification type -> wanted (Mastodon's alert names: mention, favourite, admin.sign_up...).
    alerts = fields.JSONField(default=dict)
    policy = fields.CharEnumField(PushPolicy, max_length=16, default=PushPolicy.ALL)
    # True: RFC 8291's aes128gcm; false: the older aesgcm draft Mastodon sends by default.
    standard = fields.BooleanField(default=False)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "web_push_subscriptions"


class WebPushDelivery(Model):
    id = fields.BigIntField(primary_key=True)
    subscription = fields.ForeignKeyField("models.WebPushSubscription", related_name="deliveries",
                                          on_delete=fields.CASCADE)
    notification = fields.ForeignKeyField("models.Notification", related_name="push_deliveries",
                                          on_delete=fields.CASCADE)
    due_at = fields.DatetimeField(db_index=True)
    attempts = fields.IntField(default=0)
    claimed_until = fields.DatetimeField(null=True)
    claimed_by = fields.CharField(max_length=64, null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "web_push_deliveries"
