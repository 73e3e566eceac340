"""What federation needs to remember: activities, the two durable queues, and hosts.

``InboundItem`` is the inbound queue: a verified activity stored as received, processed
later by a worker. ``Delivery`` is the outbound queue: one row per (activity, inbox),
claimed by workers. ``Domain`` keeps what we know of each remote host, including its
delivery health.
"""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model


class Domain(Model):
    id = fields.BigIntField(primary_key=True)
    name = fields.CharField(max_length=255, unique=True)
    software = fields.CharField(max_length=64, null=True)
    # Which HTTP Signature generation the host accepted last ("rfc9421" or "draft-cavage").
    signature_generation = fields.CharField(max_length=16, null=True)
    blocked = fields.BooleanField(default=False)
    consecutive_failures = fields.IntField(default=0)
    parked_until = fields.DatetimeField(null=True)
    last_success_at = fields.DatetimeField(null=True)
    last_failure_at = fields.DatetimeField(null=True)
    last_error = fields.TextField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "domains"


class Activity(Model):
    """An activity we sent or received, kept as JSON."""

    id = fields.BigIntField(primary_key=True)
    uri = fields.CharField(max_length=2048, unique=True)
    type = fields.CharField(max_length=32, db_index=True)
    actor = fields.ForeignKeyField("models.Account", related_name="activities", null=True, on_delete=fields.CASCADE)
    object_uri = fields.CharField(max_length=2048, null=True, db_index=True)
    payload = fields.JSONField()
    local = fields.BooleanField(default=False)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "activities"


class DeliveryState(StrEnum):
    QUEUED = "queued"
    DELIVERED = "delivered"
    FAILED = "failed"  # given up; last_error says why


class Delivery(Model):
    id = fields.BigIntField(primary_key=True)
    activity = fields.ForeignKeyField("models.Activity", related_name="deliveries", on_delete=fields.CASCADE)
    inbox_url = fields.CharField(max_length=2048)
    domain = fields.CharField(max_length=255, db_index=True)
    state = fields.CharEnumField(DeliveryState, max_length=16, default=DeliveryState.QUEUED)
    attempts = fields.IntField(default=0)
    next_attempt_at = fields.DatetimeField(db_index=True)
    # A worker holds the job until then; past it, another worker may take it over.
    claimed_until = fields.DatetimeField(null=True)
    # The process token of the worker holding it (taken back at once when that one is gone).
    claimed_by = fields.CharField(max_length=64, null=True)
    last_status = fields.IntField(null=True)
    last_error = fields.TextField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    delivered_at = fields.DatetimeField(null=True)

    class Meta:
        table = "deliveries"
        unique_together = (("activity", "inbox_url"),)
        # Claiming reads only queued rows by due time; delivered ones pile up behind it.
        indexes = (("state", "next_attempt_at"),)


class InboundState(StrEnum):
    PENDING = "pending"
    DONE = "done"
    FAILED = "failed"
    IGNORED = "ignored"  # understood and deliberately not acted on


class InboundItem(Model):
    id = fields.BigIntField(primary_key=True)
    # The server the activity comes from (its actor's scheme://host[:port]) and its id
    # there. De-duplication rests on the pair being unique: an id counts only on its own
    # server, so nobody can claim another server's ids first. ("" on rows stored before
    # origins were recorded.)
    origin = fields.CharField(max_length=255, default="", db_default="")
    activity_uri = fields.CharField(max_length=2048)
    activity_type = fields.CharField(max_length=32, db_index=True)
    actor_uri = fields.CharField(max_length=2048)
    key_id = fields.CharField(max_length=2048, null=True)
    payload = fields.JSONField()
    # Local accounts (ids as URIs) whose personal inbox received it: they may read what
    # it carries even when its audience is a collection we cannot expand.
    delivered_to = fields.JSONField(default=list, db_default="[]")
    state = fields.CharEnumField(InboundState, max_length=16, default=InboundState.PENDING)
    attempts = fields.IntField(default=0)
    available_at = fields.DatetimeField(db_index=True)
    claimed_until = fields.DatetimeField(null=True)
    claimed_by = fields.CharField(max_length=64, null=True)  # as on Delivery
    # Why it was ignored or failed; while pending, why the last attempt failed.
    last_error = fields.TextField(null=True)
    received_at = fields.DatetimeField(auto_now_add=True)
    processed_at = fields.DatetimeField(null=True)

    class Meta:
        table = "inbound_items"
        unique_together = (("origin", "activity_uri"),)


class FetchKind(StrEnum):
    ANCESTORS = "ancestors"  # the posts a reply answers, up the thread
    REPLIES = "replies"  # the replies collection of a post, down the thread
    QUOTE = "quote"  # the post a post quotes, and whether the quote is authorized
    POLL = "poll"  # a remote post's poll, fetched again for its current counts


class FetchState(StrEnum):
    PENDING = "pending"
    DONE = "done"
    FAILED = "failed"


class FetchTask(Model):
    """Background fetching of a thread around a stored post, one row per (kind, post)."""

    id = fields.BigIntField(primary_key=True)
    kind = fields.CharEnumField(FetchKind, max_length=16)
    # The stored post the thread is fetched around.
    uri = fields.CharField(max_length=2048)
    state = fields.CharEnumField(FetchState, max_length=16, default=FetchState.PENDING)
    attempts = fields.IntField(default=0)
    available_at = fields.DatetimeField(db_index=True)
    claimed_until = fields.DatetimeField(null=True)
    last_error = fields.TextField(null=True)
    done_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "fetch_tasks"
        unique_together = (("kind", "uri"),)
