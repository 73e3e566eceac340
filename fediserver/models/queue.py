"""Claiming rows of a durable queue table (deliveries, inbound items) safely.

A claim stamps ``claimed_until`` on due rows so no other worker takes them until the
lease runs out; a worker that dies simply lets its lease expire and the rows become due
again. On PostgreSQL the rows are picked with ``FOR UPDATE SKIP LOCKED`` inside one
transaction, so any number of workers on any machines never take the same row at the
same time. SQLite has one writer at a time, so a plain transaction does the same job
for the single worker process it serves.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, TypeVar

from tortoise.expressions import Q
from tortoise.models import Model
from tortoise.transactions import in_transaction

from fediserver.clock import utcnow

Row = TypeVar("Row", bound=Model)


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
            await model.filter(id__in=[row.pk for row in rows]).using_db(connection).update(claimed_until=lease_until)
            for row in rows:
                row.claimed_until = lease_until
    return rows


def _supports_skip_locked(connection: Any) -> bool:
    return getattr(connection, "capabilities", None) is not None and connection.capabilities.dialect == "postgres"

