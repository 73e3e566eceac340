"""The outbound delivery queue: ``delivery status`` (jobs by state, parked hosts, recent
failures and why) and ``delivery unpark HOST``."""

from __future__ import annotations

import argparse
import sys

from fediserver.cli.common import command_group, settings_of, with_database


def register(commands) -> None:
    actions = command_group(commands, "delivery", "look at the outbound delivery queue", "delivery commands")
    status = actions.add_parser("status", help="jobs by state, parked hosts, recent failures and why")
    status.set_defaults(handler=cmd_delivery_status)
    unpark = actions.add_parser("unpark", help="let a parked host's deliveries go out again now")
    unpark.add_argument("host", help="the host as deliveries name it, e.g. art.example or 127.0.0.1:8001")
    unpark.set_defaults(handler=cmd_delivery_unpark)


def cmd_delivery_status(args: argparse.Namespace) -> int:
    from outbox.queue_report import queue_report

    async def work() -> None:
        report = await queue_report()
        print(", ".join(f"{state} {count}" for state, count in report.by_state.items()) + f"; due now {report.due_now}")
        for host in report.parked:
            print(f"parked {host.name} until {host.parked_until:%Y-%m-%d %H:%M:%S} UTC "
                  f"after {host.consecutive_failures} failures: {host.last_error}")
        for job in report.recent_failures:
            print(f"failed {job.inbox_url} after {job.attempts} attempt(s): {job.last_error}")

    with_database(settings_of(args), work)
    return 0


def cmd_delivery_unpark(args: argparse.Namespace) -> int:
    from outbox.queue_report import unpark_host

    async def work() -> int:
        if await unpark_host(args.host):
            print(f"{args.host} unparked; its due deliveries go out with the next claim")
            return 0
        print(f"{args.host} is not parked", file=sys.stderr)
        return 1

    return with_database(settings_of(args), work) or 0
