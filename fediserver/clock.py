"""The process clock: the one source of "now" for the whole server.

Every timestamp the server stores or compares (queue leases, retry times, published and
edited dates, token use) is an aware UTC datetime from ``utcnow``, so tests and workers
can hand a different clock to code that takes one (``DeliveryWorker(clock=...)``).
"""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    """The current time as an aware UTC datetime."""
    return datetime.now(UTC)
