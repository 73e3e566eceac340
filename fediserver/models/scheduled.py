"""Statuses waiting for their time: what an artist asked to post later.

A ``ScheduledStatus`` keeps what the client asked for (``params``, as
``fediserver.posting.NewStatus`` stores it) and when to publish it. Uploads named
by it are held by it (``MediaAttachment.scheduled_status``), so no other post takes them
meanwhile. The ``scheduled-statuses`` job (``fediserver.scheduled_publishing``) claims due
rows like any queue (``claim_due``) and publishes each through the same door as
``POST /api/v1/statuses``; the row is deleted in the transaction that stores its post.
"""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class ScheduledStatus(Model):
    id = fields.BigIntField(primary_key=True)
    account = fields.ForeignKeyField("models.Account", related_name="scheduled_statuses", on_delete=fields.CASCADE)
    # When it is published (aware UTC).
    scheduled_at = fields.DatetimeField(db_index=True)
    # What the client asked for, ready to be posted (fediserver.posting.NewStatus).
    params = fields.JSONField()
    # Failed tries that may pass (the database, the network); the job gives up after a few.
    attempts = fields.IntField(default=0)
    # Lease of the worker publishing it (see models.queue.claim_due), and who holds it.
    claimed_until = fields.DatetimeField(null=True)
    claimed_by = fields.CharField(max_length=64, null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "scheduled_statuses"
