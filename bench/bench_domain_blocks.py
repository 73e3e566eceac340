"""Domain blocks: the check every inbox POST makes, and importing a large blocklist.

    PYTHONPATH=. python bench/bench_domain_blocks.py [--blocks 10000] [--checks 200000]
        [--lines 20000] [--accounts 2000]

1. ``--blocks`` suspended domains loaded into a ``DomainPolicy``; the inbox's check of a
   POST (``refusal`` of the actor's host; with the time-gated ``refresh`` a direct caller
   makes before it, so an upper bound) timed over ``--checks`` hosts of four kinds: a blocked domain, a subdomain of
   one, an unblocked host with four labels, and one with a port. Target: 5 µs a check.
2. A ``--lines`` Mastodon CSV blocklist (with its ``#`` header; a tenth silenced, a tenth
   rejecting media) imported into a fresh, migrated SQLite file that holds
   ``--accounts`` remote accounts, a tenth of them on listed domains (those are
   suspended, their follows and posts removed): parsing, the plan, and the transaction
   that writes and applies it. Target: 10 s.

Times are this process's CPU time (``time.process_time``), so other work on a shared
machine does not count; the import's wall time is printed too (it waits on SQLite's
disk writes as well).
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path

from fediserver import db
from fediserver.clock import utcnow
from fediserver.models import Account, DomainBlock, Post
from fediserver.models.domain_blocks import Severity
from fediserver.moderation.blocklists import apply_import, parse_blocklist, plan_import
from fediserver.moderation.domain_blocks import DomainPolicy, DomainRule, install_domain_policy


async def bench_check(blocks: int, checks: int) -> list[tuple[str, float]]:
    policy = DomainPolicy("art.example", reload_seconds=5.0)
    policy.load(DomainRule(f"spam{n}.example", Severity.SUSPEND, False, False) for n in range(blocks))
    policy._version, policy._checked_at = 0, time.monotonic()  # as after a load: current
    kinds = {
        "blocked domain": [f"spam{n % blocks}.example" for n in range(checks)],
        "subdomain of a blocked one": [f"media.cdn.spam{n % blocks}.example" for n in range(checks)],
        "unblocked, four labels": [f"a.b.host{n}.example" for n in range(checks)],
        "unblocked, with a port": [f"host{n}.example:8443" for n in range(checks)],
    }
    results = []
    for kind, hosts in kinds.items():
        started = time.process_time()
        for host in hosts:
            await policy.refresh()
            policy.refusal(host)
        results.append((kind, (time.process_time() - started) / checks * 1e6))
    return results


def blocklist(lines: int) -> str:
    rows = ["#domain,#severity,#reject_media,#reject_reports,#public_comment,#obfuscate"]
    for n in range(lines):
        severity = "silence" if n % 10 == 1 else "suspend"
        rows.append(f"listed{n}.example,{severity},{'true' if n % 10 == 2 else 'false'},false,spam,false")
    return "\n".join(rows) + "\n"


async def bench_import(lines: int, accounts: int) -> list[tuple[str, float]]:
    with tempfile.TemporaryDirectory() as folder:
        config = db.tortoise_config(f"sqlite://{Path(folder) / 'bench.sqlite3'}")
        await db.migrate(config)
        await db.close_database()
        await db.open_database(config)
        try:
            install_domain_policy(DomainPolicy("art.example", reload_seconds=0))
            covered = max(1, accounts // 10)
            rows = [
                Account(username=f"u{n}", domain=f"listed{n * 7}.example" if n < covered else f"fine{n}.example",
                        uri=f"https://host{n}.example/users/u{n}")
                for n in range(accounts)
            ]
            await Account.bulk_create(rows, batch_size=1000)
            authors = await Account.all().values_list("id", flat=True)
            await Post.bulk_create([Post(uri=f"https://p.example/{n}", account_id=pk, published_at=utcnow())
                                    for n, pk in enumerate(authors)], batch_size=1000)
            text = blocklist(lines)
            timings = []
            wall, started = time.perf_counter(), time.process_time()
            entries = parse_blocklist(text, name="bench.csv")
            timings.append(("parse", time.process_time() - started))
            mark = time.process_time()
            plan = await plan_import(entries, own_domain="art.example")
            timings.append(("plan", time.process_time() - mark))
            mark = time.process_time()
            await apply_import(plan, source_name="bench.csv")
            timings.append(("write and apply", time.process_time() - mark))
            timings.append(("total (CPU)", time.process_time() - started))
            timings.append(("total (wall)", time.perf_counter() - wall))
            assert await DomainBlock.all().count() == lines
            suspended = await Account.filter(suspended=True).count()
            timings.append((f"accounts suspended (of {accounts})", float(suspended)))
            return timings
        finally:
            await db.close_database()


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--blocks", type=int, default=10_000)
    parser.add_argument("--checks", type=int, default=200_000)
    parser.add_argument("--lines", type=int, default=20_000)
    parser.add_argument("--accounts", type=int, default=2_000)
    args = parser.parse_args()
    print(f"block check per inbox POST, {args.blocks} suspended domains, {args.checks} checks each")
    print(f"  {'host':<30} {'µs/check (CPU)':>15}")
    for kind, micros in await bench_check(args.blocks, args.checks):
        print(f"  {kind:<30} {micros:>15.2f}")
    print(f"importing a {args.lines}-line Mastodon CSV on SQLite, {args.accounts} remote accounts stored")
    print(f"  {'step':<36} {'seconds':>10}")
    for step, value in await bench_import(args.lines, args.accounts):
        shown = f"{value:>10.0f}" if step.startswith("accounts") else f"{value:>10.2f}"
        print(f"  {step:<36} {shown}")


if __name__ == "__main__":
    asyncio.run(main())
