"""Claiming rows of a durable queue table (deliveries, inbound items) safely, and the
workers that hold them.

A claim stamps ``claimed_until`` on due rows so no other worker takes them until the
lease runs out; a worker that dies lets its lease expire and the rows become due
again. Tables with a ``claimed_by`` column also record who holds each lease (the
process token of ``fediserver.process_identity``); each worker process is a
``QueueWorker`` row with a heartbeat, so a worker that starts can take back at once
the leases of one that is gone (``fediserver.lease_holders``). On PostgreSQL the rows are picked with ``FOR UPDATE SKIP LOCKED`` inside one
transaction, so any number of workers on any machines never take the same row at the
same time. SQLite has one writer at a time, so a plain transaction does the same job
for the single worker process it serves.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, TypeVar

from tortoise import fields
from tortoise.expressions import Q
from tortoise.models import Model
from tortoise.transactions import in_transaction

from fediserver.clock import utcnow
from fediserver.process_identity import current

Row = TypeVar("Row", bound=Model)


class QueueWorker(Model):
    """A process running queue jobs, as a holder of leases (see ``fediserver.process_identity``)."""

    id = fields.BigIntField(primary_key=True)
    token = fields.CharField(max_length=64, unique=True)
    place = fields.CharField(max_length=255)
    pid = fields.IntField()
    process_started = fields.CharField(max_length=32, default="")
    started_at = fields.DatetimeField(auto_now_add=True)
    heartbeat_at = fields.DatetimeField()

    class Meta:
        table = "queue_workers"


async def claim_due(
    model: type[Row],
    *,
    due_field: str,
    batch: int,
    lease_seconds: float,
    now: datetime | None = None,
    exclude: Q | None = None,
    **filters: Any,
) -> list[Row]:
    """Take up to ``batch`` rows matching ``filters`` whose ``due_field`` has passed and
    which nobody holds; returns them with their new lease."""
    now = now or utcnow()
    lease_until = now + timedelta(seconds=lease_seconds)
    due = Q(**{f"{due_field}__lte": now}) & (Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
    if exclude is not None:
        due &= ~exclude
    async with in_transaction() as connection:
        query = model.filter(due, **filters).using_db(connection).order_by(due_field, "id").limit(batch)
        if _supports_skip_locked(connection):
            query = query.select_for_update(skip_locked=True)
        rows = await query
        if rows:
            lease = {"claimed_until": lease_until}
            if "claimed_by" in model._meta.fields_map:
                lease["claimed_by"] = current().token
            await model.filter(id__in=[row.pk for row in rows]).using_db(connection).update(**lease)
            for row in rows:
                row.update_from_dict(lease)
    return rows


def _supports_skip_locked(connection: Any) -> bool:
    return getattr(connection, "capabilities", None) is not None and connection.capabilities.dialect == "postgres"

