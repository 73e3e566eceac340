"""The administrator's view of the delivery queue, in code and from the command line."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta

from fediserver.clock import utcnow
from fediserver.models import Delivery, DeliveryState, Domain
from outbox import builders
from outbox.publish import publish
from outbox.queue_report import queue_report, unpark_host
from tests.outbox.conftest import FAR_AUTHOR


async def fill_queue(ada):
    activity = builders.like(ada, "https://far.example/notes/1", FAR_AUTHOR)
    record = await publish(activity, actor=ada, inboxes=[f"https://h{i}.example/inbox" for i in range(4)])
    jobs = await Delivery.filter(activity=record).order_by("id")
    await Delivery.filter(id=jobs[0].pk).update(state=DeliveryState.DELIVERED)
    await Delivery.filter(id=jobs[1].pk).update(state=DeliveryState.FAILED, attempts=1, last_error="HTTP 410")
    await Delivery.filter(id=jobs[2].pk).update(next_attempt_at=utcnow() + timedelta(hours=1))
    await Domain.create(name="h3.example", parked_until=utcnow() + timedelta(minutes=5), consecutive_failures=10,
                        last_error="HTTP 503")


async def test_the_report_counts_jobs_and_names_parked_hosts_and_failures(ada):
    await fill_queue(ada)
    report = await queue_report()
    assert report.by_state == {"queued": 2, "delivered": 1, "failed": 1} and report.due_now == 1
    assert [host.name for host in report.parked] == ["h3.example"]
    assert [(job.inbox_url, job.last_error) for job in report.recent_failures] == [
        ("https://h1.example/inbox", "HTTP 410")
    ]
    assert await unpark_host("H3.example") and not await unpark_host("h3.example")
    assert (await queue_report()).parked == []


async def test_the_delivery_commands(ada, db, tmp_path):
    await fill_queue(ada)
    config = tmp_path / "config.toml"
    config.write_text(f'[instance]\ndomain = "art.example"\n[database]\nurl = "{db}"\n')

    def fediserver(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "fediserver.cli", "--config", str(config), "delivery", *args],
                              capture_output=True, text=True, timeout=120)

    status = fediserver("status")
    assert status.returncode == 0, status.stderr
    assert status.stdout.splitlines() == [
        "queued 2, delivered 1, failed 1; due now 1",
        status.stdout.splitlines()[1],
        "failed https://h1.example/inbox after 1 attempt(s): HTTP 410",
    ]
    assert status.stdout.splitlines()[1].startswith("parked h3.example until ")
    assert status.stdout.splitlines()[1].endswith("after 10 failures: HTTP 503")
    assert fediserver("unpark", "h3.example").returncode == 0
    again = fediserver("unpark", "h3.example")
    assert again.returncode == 1 and "not parked" in again.stderr
