"""One public post fanned out to 10,000 followers on 1,000 hosts, by real worker processes.

    PYTHONPATH=. python bench/bench_fanout.py [--followers 10000 --hosts 1000]
        [--postgres postgres://postgres@127.0.0.1:5432/postgres] [--skip-sqlite]
        [--personal-inboxes] [--json FILE]

This process plays the 1,000 remote servers (one shared inbox each, a distinct port on
127.0.0.1 per host, answering 202 with keep-alive; they count but do not verify
signatures), builds a fresh database with an artist and her followers, starts the
`fediserver worker` processes (two on PostgreSQL, one on SQLite), posts once through
`outbox.statuses.post_status` and times until every delivery is recorded as delivered.
With ``--personal-inboxes`` the followers' servers have no shared inbox, so every
follower gets a delivery of its own (10,000 instead of 1,000).
Prints deliveries/s, the workers' CPU seconds and peak RSS (ru_maxrss).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tortoise import connections

from fediserver import db
from fediserver.local_accounts import create_local_account
from fediserver.models import Account, Delivery, DeliveryState, Follow, FollowState
from fediserver.urls import InstanceUrls

ROOT = Path(__file__).resolve().parent.parent
ACCEPTED = b"HTTP/1.1 202 Accepted\r\ncontent-length: 0\r\n\r\n"


class Inbox(asyncio.Protocol):
    """A remote server's shared inbox: reads each keep-alive request, answers 202."""

    arrivals = 0

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport
        self.buffer = b""

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while (end := self.buffer.find(b"\r\n\r\n")) >= 0:
            length = _content_length(self.buffer[:end])
            if len(self.buffer) < end + 4 + length:
                return
            self.buffer = self.buffer[end + 4 + length:]
            Inbox.arrivals += 1
            self.transport.write(ACCEPTED)  # type: ignore[attr-defined]


def _content_length(head: bytes) -> int:
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return int(value)
    return 0


async def start_inboxes(hosts: int) -> tuple[list[asyncio.Server], list[int]]:
    loop = asyncio.get_running_loop()
    servers = [await loop.create_server(Inbox, "127.0.0.1", 0, backlog=128) for _ in range(hosts)]
    return servers, [server.sockets[0].getsockname()[1] for server in servers]


async def build_database(url: str, ports: list[int], followers: int, shared: bool) -> Account:
    config = db.tortoise_config(url)
    await db.migrate(config)
    await db.close_database()
    await db.open_database(config)
    artist = await create_local_account(InstanceUrls("https://art.example"), "ada")
    accounts = []
    for i in range(followers):
        host = f"127.0.0.1:{ports[i % len(ports)]}"
        base = f"http://{host}/users/f{i}"
        accounts.append(Account(username=f"f{i}", domain=host, uri=base, inbox_url=f"{base}/inbox",
                                shared_inbox_url=f"http://{host}/inbox" if shared else None))
    await Account.bulk_create(accounts, batch_size=1000)
    ids = await Account.exclude(pk=artist.pk).values_list("id", flat=True)
    await Follow.bulk_create([Follow(follower_id=pk, target=artist, state=FollowState.ACCEPTED) for pk in ids],
                             batch_size=1000)
    if not url.startswith("sqlite"):
        # Statistics as autovacuum would soon have them: planned as the empty tables they
        # were a moment ago, the followers' query takes seconds instead of milliseconds.
        await connections.get("default").execute_script("ANALYZE")
    return artist


def write_config(folder: Path, url: str) -> Path:
    path = folder / "config.toml"
    path.write_text(f'[instance]\ndomain = "art.example"\n[database]\nurl = "{url}"\n[logging]\nlevel = "warning"\n'
                    "[federation]\nallow_private_addresses = true\n")
    return path


async def run_case(label: str, url: str, workers: int, ports: list[int], followers: int, folder: Path,
                   shared: bool) -> dict:
    from outbox.statuses import post_status

    artist = await build_database(url, ports, followers, shared)
    config = write_config(folder, url)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    procs = [subprocess.Popen([sys.executable, "-m", "fediserver.cli", "--config", str(config), "worker"],
                              env=env, stdout=(folder / f"worker{i}.log").open("wb"), stderr=subprocess.STDOUT)
             for i in range(workers)]
    await asyncio.sleep(4)  # imports and database connections, before the clock starts
    Inbox.arrivals = 0
    started = time.perf_counter()
    await post_status(artist, "A new painting, fresh off the easel. #art", visibility="public")
    total = await Delivery.all().count()
    while await Delivery.filter(state=DeliveryState.DELIVERED).count() < total:
        if await Delivery.filter(state=DeliveryState.FAILED).exists():
            raise SystemExit(f"{label}: some deliveries failed: "
                             f"{await Delivery.filter(state=DeliveryState.FAILED).first().values('last_error')}")
        await asyncio.sleep(0.05)
    elapsed = time.perf_counter() - started
    cpu, rss = 0.0, 0
    for proc in procs:
        proc.send_signal(signal.SIGTERM)
        _, _, usage = os.wait4(proc.pid, 0)
        cpu += usage.ru_utime + usage.ru_stime
        rss = max(rss, usage.ru_maxrss)
    await db.close_database()
    return {"case": label, "deliveries": total, "arrivals": Inbox.arrivals, "seconds": elapsed,
            "per_second": total / elapsed, "worker_cpu": cpu, "rss_mb": rss / 1024}


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--followers", type=int, default=10_000)
    parser.add_argument("--hosts", type=int, default=1_000)
    parser.add_argument("--postgres", default="postgres://postgres@127.0.0.1:5432/postgres",
                        help="a PostgreSQL server where a scratch database may be created ('' to skip)")
    parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument("--personal-inboxes", action="store_true", help="no shared inboxes: one delivery per follower")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args()

    servers, ports = await start_inboxes(args.hosts)
    results = []
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        if not args.skip_sqlite:
            results.append(await run_case("SQLite, 1 worker", f"sqlite://{folder}/fanout.sqlite3", 1, ports,
                                          args.followers, folder, not args.personal_inboxes))
        if args.postgres:
            import asyncpg

            name = f"bench_fanout_{secrets.token_hex(4)}"
            admin = args.postgres.replace("postgres://", "postgresql://", 1)
            connection = await asyncpg.connect(admin)
            await connection.execute(f'CREATE DATABASE "{name}"')
            try:
                url = args.postgres.rsplit("/", 1)[0] + f"/{name}"
                results.append(await run_case("PostgreSQL, 2 workers", url, 2, ports, args.followers, folder,
                                              not args.personal_inboxes))
            finally:
                await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                await connection.close()
    for server in servers:
        server.close()

    inboxes = "one inbox per follower" if args.personal_inboxes else "one shared inbox per host"
    print(f"\n{args.followers} followers on {args.hosts} hosts ({inboxes}), one public post\n")
    print("| case | deliveries | arrivals | seconds | deliveries/s | worker CPU s | peak RSS per worker MB |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for r in results:
        print(f"| {r['case']} | {r['deliveries']} | {r['arrivals']} | {r['seconds']:.2f} | {r['per_second']:.0f} "
              f"| {r['worker_cpu']:.2f} | {r['rss_mb']:.1f} |")
    if args.json:
        args.json.write_text(json.dumps(results))


if __name__ == "__main__":
    asyncio.run(main())
