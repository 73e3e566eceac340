"""What the delivery queue holds, for administrators: counts, parked hosts, recent
failures with their reasons; and unparking a host that is known to be back."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from tortoise.functions import Count

from fediserver.clock import utcnow
from fediserver.models import Delivery, DeliveryState, Domain


@dataclass
class QueueReport:
    by_state: dict[str, int]
    due_now: int
    parked: list[Domain]
    recent_failures: list[Delivery]


async def queue_report(*, now: datetime | None = None, failures: int = 10) -> QueueReport:
    now = now or utcnow()
    rows = await Delivery.all().group_by("state").annotate(count=Count("id")).values("state", "count")
    by_state = {state.value: 0 for state in DeliveryState}
    by_state.update({str(row["state"]): row["count"] for row in rows})
    due = await Delivery.filter(state=DeliveryState.QUEUED, next_attempt_at__lte=now).count()
    parked = await Domain.filter(parked_until__gt=now).order_by("parked_until")
    recent = await Delivery.filter(state=DeliveryState.FAILED).order_by("-id").limit(failures)
    return QueueReport(by_state, due, parked, recent)


async def unpark_host(name: str) -> bool:
    """Let a parked host's jobs be claimed again at once; False when no such host is parked."""
    parked = Domain.filter(name=name.lower(), parked_until__isnull=False)
    return bool(await parked.update(parked_until=None, consecutive_failures=0))
