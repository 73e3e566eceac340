"""Many open streaming connections on one web process: the memory they hold and how
long a new post takes to reach all of them.

    PYTHONPATH=. python bench/bench_streaming.py [--connections 500] [--readers 50]
        [--postgres postgres://postgres@127.0.0.1:5432/postgres]

``fediserver run`` serves in its own process (one web process, jobs off). ``--readers``
artists follow one author; each opens ``connections / readers`` WebSockets, half
subscribed to ``user`` and half to ``public:local`` (so each connection is checked
with ``may_read`` and the home rule). The resident memory (RSS, from /proc) of the
server process is read before the sockets open and once all are subscribed; then the
author posts through the API and the time until the last socket has the ``update`` is
measured, three times.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from fediserver import db
from fediserver.local_accounts import create_api_token, create_local_account
from fediserver.models import Follow, FollowState
from fediserver.urls import InstanceUrls
from tests.conftest import _admin_execute, _with_database_name
from tests.interop.served_instance import free_port
from tests.streaming_socket import StreamingSocket

POSTS = 3


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


async def seed(url: str, base_url: str, readers: int) -> tuple[str, list[str]]:
    config = db.tortoise_config(url)
    await db.migrate(config)
    await db.close_database()
    await db.open_database(config)
    try:
        urls = InstanceUrls(base_url)
        author = await create_local_account(urls, "author")
        tokens = []
        for i in range(readers):
            reader = await create_local_account(urls, f"reader{i}")
            await Follow.create(follower=reader, target=author, state=FollowState.ACCEPTED)
            tokens.append(await create_api_token(f"reader{i}", scopes=["read"]))
        return await create_api_token("author"), tokens
    finally:
        await db.close_database()


async def measure(url: str, folder: Path, connections: int, readers: int) -> dict:
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    (folder / "config.toml").write_text(
        f'[instance]\ndomain = "127.0.0.1:{port}"\nscheme = "http"\nallow_http = true\ndata_dir = "{folder / "data"}"\n'
        f'[server]\nport = {port}\nrun_jobs = false\n[database]\nurl = "{url}"\n'
        '[logging]\naccess_log = false\n'
    )
    author_token, tokens = await seed(url, base_url, readers)
    server = subprocess.Popen([sys.executable, "-m", "fediserver.cli", "--config", str(folder / "config.toml"), "run"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    sockets: list[StreamingSocket] = []
    try:
        async with httpx.AsyncClient(base_url=base_url, timeout=30) as http:
            for _ in range(300):
                try:
                    if (await http.get("/api/v1/streaming/health")).text == "OK":
                        break
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.1)
            await http.get("/api/v2/instance")
            before = rss_mib(server.pid)
            for n in range(connections):
                socket = await StreamingSocket.open("127.0.0.1", port, subprotocols=[tokens[n % readers]])
                await socket.send_json({"type": "subscribe", "stream": "user" if n % 2 == 0 else "public:local"})
                sockets.append(socket)
            await asyncio.sleep(2.0)
            held = rss_mib(server.pid)
            delays = []
            for i in range(POSTS):
                started = time.perf_counter()
                posted = (await http.post("/api/v1/statuses", json={"status": f"new work {i}"},
                                          headers={"Authorization": f"Bearer {author_token}"})).json()
                answered = time.perf_counter() - started

                # Matched on the text, so the benchmark's own decoding does not add to the time.
                wanted = json.dumps(f'"id":"{posted["id"]}"')[1:-1]

                async def arrival(socket: StreamingSocket) -> float:
                    while True:
                        text = await socket.receive_text(30)
                        if text and '"event":"update"' in text and wanted in text:
                            return time.perf_counter()

                arrivals = await asyncio.gather(*(arrival(s) for s in sockets))
                delays.append((max(arrivals) - started, min(arrivals) - started, answered))
            return {"rss_before": before, "rss_held": held, "delays": delays}
    finally:
        for socket in sockets:
            await socket.close()
        server.terminate()
        server.wait(timeout=30)


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--connections", type=int, default=500)
    parser.add_argument("--readers", type=int, default=50)
    parser.add_argument("--postgres")
    args = parser.parse_args()
    results = {}
    with tempfile.TemporaryDirectory() as folder:
        results["SQLite"] = await measure(f"sqlite://{Path(folder) / 'bench.sqlite3'}", Path(folder),
                                          args.connections, args.readers)
    if args.postgres:
        name = f"fediserver_bench_{secrets.token_hex(4)}"
        await _admin_execute(args.postgres, f'CREATE DATABASE "{name}"')
        try:
            with tempfile.TemporaryDirectory() as folder:
                results["PostgreSQL"] = await measure(_with_database_name(args.postgres, name), Path(folder),
                                                      args.connections, args.readers)
        finally:
            await _admin_execute(args.postgres, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    print(f"{args.connections} WebSockets from {args.readers} accounts, one web process, {POSTS} posts\n")
    print("| database | RSS before | RSS with the sockets | extra "
          "| each post: to the last socket / to the first / the POST's own answer, s |")
    print("| --- | ---: | ---: | ---: | --- |")
    for database, r in results.items():
        delays = "; ".join(f"{last:.2f} / {first:.2f} / {answer:.2f}" for last, first, answer in r["delays"])
        print(f"| {database} | {r['rss_before']:.0f} MiB | {r['rss_held']:.0f} MiB "
              f"| {r['rss_held'] - r['rss_before']:.1f} MiB | {delays} |")


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    asyncio.run(main())
