"""Sustained signed load on the inbox of a real server, and the check that nothing is lost.

    PYTHONPATH=. python bench/bench_inbox_load.py [--seconds 60] [--concurrency 32]
        [--max-requests 40000] [--postgres postgres://postgres@127.0.0.1:5432/postgres]
        [--skip-sqlite]

Per database: a fresh database with the local artist alice, `fediserver run` (one
Hypercorn worker, jobs off) and a separate `fediserver worker` applying what arrives.
This process plays 50 remote actors: a loopback HTTP server (a thread) serves their
actor documents, so the server fetches each key for real once and then uses its cache.
Their POSTs are distinct Create(Note) activities, half signed draft-cavage and half
RFC 9421, half to alice's inbox and half to the shared inbox, all signed beforehand in
a process pool (signing is not measured) and sent as raw HTTP/1.1 over kept-alive
loopback connections, `--concurrency` at a time, until `--seconds` pass or the signed
requests run out.

Reported: accepted (202) activities per second, client-side p50/p99 latency, the backlog
of unapplied activities when sending stops and how long the worker takes to drain it,
peak RSS (VmHWM) of the server and the worker, and whether anything was lost: stored
InboundItem rows and remote Post rows must both equal the 202 answers, with no error.
The server's CPU time per accepted POST (from /proc) says where the request cost is;
the client's own CPU share is printed so one can see it is not the bottleneck.
``--profile FILE`` runs the server under cProfile.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from federation.keys import generate_rsa_private_key_pem, load_private_key_pem, public_key_pem
from federation.signatures import Generation, sign_request

ROOT = Path(__file__).resolve().parent.parent
AP = "application/activity+json"
PUBLIC = "https://www.w3.org/ns/activitystreams#Public"
CHUNK = 500


class ActorServer:
    """The remote actors' server: serves /users/a<N> documents on 127.0.0.1, counts fetches."""

    def __init__(self, actors: int) -> None:
        self.keys = [generate_rsa_private_key_pem() for _ in range(actors)]
        self.fetches = 0
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                path = urlsplit(self.path).path
                index = int(path.rsplit("/a", 1)[1]) if path.startswith("/users/a") else -1
                if not 0 <= index < len(server.keys):
                    self.send_error(404)
                    return
                server.fetches += 1
                body = json.dumps(server.document(index)).encode()
                self.send_response(200)
                self.send_header("Content-Type", AP)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.origin = f"http://127.0.0.1:{self.http.server_address[1]}"
        threading.Thread(target=self.http.serve_forever, daemon=True).start()

    def actor(self, index: int) -> str:
        return f"{self.origin}/users/a{index}"

    def document(self, index: int) -> dict:
        actor = self.actor(index)
        return {
            "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
            "id": actor, "type": "Person", "preferredUsername": f"a{index}",
            "inbox": f"{actor}/inbox", "endpoints": {"sharedInbox": f"{self.origin}/inbox"},
            "followers": f"{actor}/followers",
            "publicKey": {"id": f"{actor}#main-key", "owner": actor,
                          "publicKeyPem": public_key_pem(load_private_key_pem(self.keys[index]))},
        }


_signing_keys: list = []


def _load_keys(pems: list[bytes]) -> None:
    _signing_keys[:] = [load_private_key_pem(pem) for pem in pems]


def sign_chunk(origin: str, base: str, tag: str, start: int, stop: int) -> list[bytes]:
    """Raw HTTP/1.1 requests for activities start..stop-1 (run in a pool process)."""
    requests = []
    for n in range(start, stop):
        index = n % len(_signing_keys)
        actor = f"{origin}/users/a{index}"
        note = f"{actor}/statuses/{tag}-{n}"
        body = json.dumps({
            "@context": "https://www.w3.org/ns/activitystreams", "id": f"{note}/activity", "type": "Create",
            "actor": actor, "to": [PUBLIC], "cc": [f"{actor}/followers"],
            "object": {"id": note, "type": "Note", "attributedTo": actor, "to": [PUBLIC],
                       "cc": [f"{actor}/followers"], "published": "2026-11-21T06:00:00Z",
                       "content": f"<p>study number {n}, charcoal on paper</p>"},
        }, separators=(",", ":")).encode()
        path = "/users/alice/inbox" if (n // 2) % 2 else "/inbox"
        generation = Generation.RFC9421 if n % 2 else Generation.CAVAGE
        headers = {"content-type": AP}
        headers |= sign_request("POST", base + path, headers, body, key_id=f"{actor}#main-key",
                                private_key=_signing_keys[index], generation=generation)
        head = f"POST {path} HTTP/1.1\r\nHost: {urlsplit(base).netloc}\r\nContent-Length: {len(body)}\r\n"
        head += "".join(f"{name}: {value}\r\n" for name, value in headers.items() if name.lower() != "host")
        requests.append(head.encode("latin-1") + b"\r\n" + body)
    return requests


def presign(actors: ActorServer, base: str, count: int) -> list[bytes]:
    tag = secrets.token_hex(4)
    with ProcessPoolExecutor(os.cpu_count() or 2, initializer=_load_keys, initargs=(actors.keys,)) as pool:
        chunks = [pool.submit(sign_chunk, actors.origin, base, tag, start, min(start + CHUNK, count))
                  for start in range(0, count, CHUNK)]
        return [request for chunk in chunks for request in chunk.result()]


@dataclass
class LoadResult:
    statuses: dict[int, int] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)
    elapsed: float = 0.0
    client_cpu: float = 0.0
    sent: int = 0


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bool]:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    length, close = 0, False
    for line in lines[1:]:
        name, _, value = line.partition(":")
        name = name.strip().lower()
        if name == "content-length":
            length = int(value)
        elif name == "connection" and value.strip().lower() == "close":
            close = True
    if length:
        await reader.readexactly(length)
    return status, close


async def drive(port: int, requests: list[bytes], seconds: float, concurrency: int) -> LoadResult:
    """Send the requests over `concurrency` kept-alive connections until time or requests run out."""
    result = LoadResult()
    next_index = 0
    deadline = time.perf_counter() + seconds

    async def connection() -> None:
        nonlocal next_index
        reader = writer = None
        while next_index < len(requests) and time.perf_counter() < deadline:
            request = requests[next_index]
            next_index += 1
            try:
                if writer is None:
                    reader, writer = await asyncio.open_connection("127.0.0.1", port)
                started = time.perf_counter()
                writer.write(request)
                status, close = await _read_response(reader)
                result.latencies.append(time.perf_counter() - started)
                result.statuses[status] = result.statuses.get(status, 0) + 1
            except (OSError, asyncio.IncompleteReadError) as error:
                result.errors.append(f"{type(error).__name__}: {error}")
                close = True
            if close and writer is not None:
                writer.close()
                reader = writer = None
        if writer is not None:
            writer.close()

    cpu, started = time.process_time(), time.perf_counter()
    await asyncio.gather(*(connection() for _ in range(concurrency)))
    result.elapsed = time.perf_counter() - started
    result.client_cpu = time.process_time() - cpu
    result.sent = next_index
    return result


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_listening(port: int, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the server exited with {process.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"nothing listens on port {port}")


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time a process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def counts(url: str) -> tuple[int, int, int, int]:
    """Stored items, items not yet applied, items applied, and posts from other servers."""
    from fediserver import db
    from fediserver.models import InboundItem, InboundState, Post

    await db.open_database(db.tortoise_config(url, pool_size=1))
    try:
        return (await InboundItem.all().count(), await InboundItem.filter(state=InboundState.PENDING).count(),
                await InboundItem.filter(state=InboundState.DONE).count(), await Post.filter(local=False).count())
    finally:
        await db.close_database()


def measure(label: str, url: str, actors: ActorServer, args: argparse.Namespace, work: Path) -> dict:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    config = work / f"{label.split()[0].lower()}.toml"
    config.write_text(
        f'[instance]\ndomain = "127.0.0.1:{port}"\nscheme = "http"\nallow_http = true\n'
        f'[server]\nport = {port}\nworkers = 1\nrun_jobs = false\n'
        f'[database]\nurl = "{url}"\n'
        '[logging]\naccess_log = false\nlevel = "warning"\n'
        '[federation]\nallow_private_addresses = true\n'
        '[media]\nlocal_path = "' + str(work / "media") + '"\n'
    )
    env = {**os.environ, "FEDISERVER_CONFIG": str(config), "PYTHONPATH": str(ROOT)}
    cli = [sys.executable, "-m", "fediserver.cli"]
    subprocess.run([*cli, "migrate"], env=env, check=True, capture_output=True)
    subprocess.run([*cli, "account", "create", "alice", "--no-password"], env=env, check=True, capture_output=True)
    requests = presign(actors, base, args.max_requests)
    fetches_before = actors.fetches
    server_command = [sys.executable, "-m", "cProfile", "-o", args.profile, "-m", "fediserver.cli", "run"] \
        if args.profile else [*cli, "run"]
    server = subprocess.Popen(server_command, env=env, stdout=subprocess.DEVNULL)
    worker = subprocess.Popen([*cli, "worker"], env=env, stdout=subprocess.DEVNULL)
    try:
        wait_listening(port, server)
        server_cpu = cpu_seconds(server.pid)
        load = asyncio.run(drive(port, requests, args.seconds, args.concurrency))
        server_cpu = cpu_seconds(server.pid) - server_cpu
        stored, backlog, _, _ = asyncio.run(counts(url))
        stopped = time.perf_counter()
        while True:
            stored, pending, applied, posts = asyncio.run(counts(url))
            if not pending or time.perf_counter() - stopped > args.drain_timeout:
                break
            time.sleep(0.2)
        drain = time.perf_counter() - stopped
        server_rss, worker_rss = peak_rss_mb(server.pid), peak_rss_mb(worker.pid)
    finally:
        for process in (server, worker):
            process.terminate()
            process.wait(timeout=60)
    accepted = load.statuses.get(202, 0)
    latencies = sorted(load.latencies)
    refused = sum(count for status, count in load.statuses.items() if status != 202)
    return {
        "label": label, "sent": load.sent, "accepted": accepted, "seconds": load.elapsed,
        "rate": accepted / load.elapsed, "p50": statistics.median(latencies) * 1000,
        "p99": latencies[int(len(latencies) * 0.99) - 1] * 1000, "backlog": backlog,
        "drain": drain, "pending": pending, "server_rss": server_rss, "worker_rss": worker_rss,
        "stored": stored, "applied": applied, "posts": posts, "errors": len(load.errors) + refused,
        "error_sample": load.errors[:3] + [f"{s}: {c}" for s, c in load.statuses.items() if s != 202],
        "fetches": actors.fetches - fetches_before, "client_cpu": load.client_cpu / load.elapsed,
        "ran_out": load.sent == len(requests), "server_cpu_ms": server_cpu * 1000 / max(accepted, 1),
        "server_cpu_share": server_cpu / load.elapsed,
    }


COMPONENTS = (  # (label, path fragments), first match wins
    ("waiting (event loop idle)", ("select.epoll",)),
    ("start-up (imports)", ("<frozen", "marshal.loads", "builtins.compile", "builtins.exec")),
    ("socket send/recv", ("_socket.socket",)),
    ("signature verification", ("/federation/", "cryptography")),
    ("inbox endpoint and queue", ("/inbox/",)),
    ("database driver", ("asyncpg", "aiosqlite", "sqlite3", "_queue.SimpleQueue")),
    ("ORM and SQL building", ("tortoise", "pypika")),
    ("Quart", ("quart", "werkzeug")),
    ("Hypercorn and h11", ("hypercorn", "h11")),
    ("asyncio", ("asyncio",)),
)


def profile_table(path: str) -> list[tuple[str, float]]:
    """Own time of the profiled server grouped by component, as shares of the total."""
    import pstats

    totals: dict[str, float] = {}
    for (filename, _, function), (_, _, own, _, _) in pstats.Stats(path).stats.items():  # type: ignore[attr-defined]
        where = f"{filename}:{function}"
        label = next((name for name, parts in COMPONENTS if any(part in where for part in parts)), "other")
        totals[label] = totals.get(label, 0.0) + own
    whole = sum(totals.values())
    return sorted(((label, own / whole) for label, own in totals.items()), key=lambda row: -row[1])


async def _server_execute(url: str, statement: str) -> None:
    import asyncpg

    connection = await asyncpg.connect(url.replace("postgres://", "postgresql://", 1))
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="how long to send")
    parser.add_argument("--concurrency", type=int, default=32, help="connections sending at once")
    parser.add_argument("--max-requests", type=int, default=40_000, help="distinct signed activities per database")
    parser.add_argument("--actors", type=int, default=50)
    parser.add_argument("--drain-timeout", type=float, default=900.0, help="longest wait for the worker")
    parser.add_argument("--postgres", help="a PostgreSQL server URL where a scratch database may be created")
    parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument("--profile", help="run the server under cProfile, writing the stats to this file")
    args = parser.parse_args()

    actors = ActorServer(args.actors)
    rows = []
    with tempfile.TemporaryDirectory(prefix="fediserver-inbox-load-") as folder:
        work = Path(folder)
        if not args.skip_sqlite:
            rows.append(measure("SQLite (WAL, file)", f"sqlite://{work}/load.sqlite3", actors, args, work))
        if args.postgres:
            name = f"fediserver_bench_{secrets.token_hex(4)}"
            asyncio.run(_server_execute(args.postgres, f'CREATE DATABASE "{name}"'))
            try:
                scratch = urlunsplit(urlsplit(args.postgres)._replace(path=f"/{name}"))
                rows.append(measure("PostgreSQL", scratch, actors, args, work))
            finally:
                asyncio.run(_server_execute(args.postgres, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    print(f"{args.actors} actors, concurrency {args.concurrency}, {args.seconds:g} s of signed Create(Note) POSTs; "
          "`fediserver run` (1 worker, jobs off) + `fediserver worker`")
    print("| database | accepted | accepted/s | p50 ms | p99 ms | server CPU ms/POST | backlog at stop | drain s "
          "| server RSS MB | worker RSS MB | stored | posts | errors | lost |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |")
    for r in rows:
        lost = "none" if r["stored"] == r["accepted"] == r["posts"] == r["applied"] and not r["errors"] else "LOST/ERR"
        print(f"| {r['label']} | {r['accepted']:,} | {r['rate']:,.0f} | {r['p50']:.1f} | {r['p99']:.1f} "
              f"| {r['server_cpu_ms']:.2f} "
              f"| {r['backlog']:,} | {r['drain']:.1f} | {r['server_rss']:.0f} | {r['worker_rss']:.0f} "
              f"| {r['stored']:,} | {r['posts']:,} | {r['errors']} | {lost} |")
    for r in rows:
        print(f"{r['label']}: key fetches {r['fetches']}, client CPU {r['client_cpu']:.0%} of one core, "
              f"server CPU {r['server_cpu_share']:.0%} of one core, "
              f"still pending {r['pending']}" + (", RAN OUT of signed requests" if r["ran_out"] else "")
              + (f", errors e.g. {r['error_sample']}" if r["errors"] else ""))
    if args.profile:
        print(f"\nserver profile of the last database ({args.profile}), own time by component:")
        for label, share in profile_table(args.profile):
            print(f"| {label} | {share:.0%} |")


if __name__ == "__main__":
    main()
