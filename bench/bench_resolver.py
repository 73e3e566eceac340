"""Fetching the unknown: many searches for one unknown handle, and a long thread.

    PYTHONPATH=. python bench/bench_resolver.py [--searches 100] [--ancestors 50] [--replies 50]
        [--latency-ms 5] [--postgres postgres://postgres@127.0.0.1:5432/postgres]

A remote server (a real HTTP server on loopback, answering after ``--latency-ms``) holds
an account and a thread. fediserver is served by Hypercorn on another loopback port, on a
fresh SQLite file (or PostgreSQL database).

1. ``--searches`` concurrent ``GET /api/v2/search?q=@dora@HOST&resolve=true`` through the
   client API, for a handle the instance has never seen: how many WebFinger and actor
   requests reached the remote server, and the wall time.
2. A reply at the bottom of ``--ancestors`` parents, none known: the reply is resolved,
   then the ``fetches`` job fetches its parents; wall time, and the most requests the
   remote server had in flight at once.
3. A post with ``--replies`` replies in its replies collection, opened: the ``fetches``
   job fetches them (concurrently, bounded per host); wall time and peak in flight
   (``fetching.per_host_concurrency``, 4 by default, is the bound).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import secrets
import tempfile
import time
from pathlib import Path

import httpx

from fediserver import db
from fediserver.local_accounts import create_api_token, create_local_account
from fediserver.models import FetchKind, Post
from inbox.fetch_tasks import FetchJob, enqueue_fetch
from tests.conftest import _admin_execute, _with_database_name
from tests.federation.loopback_server import LoopbackServer, Reply
from tests.interop.served_instance import ServedInstance
from tests.remote_peer import ACTIVITY_JSON, RemotePeer

PUBLIC = "https://www.w3.org/ns/activitystreams#Public"


class SlowRemote:
    """Wraps a RemotePeer's routes so each answer takes ``latency`` seconds, counting the
    requests per path kind and the most in flight at once."""

    def __init__(self, peer: RemotePeer, latency: float) -> None:
        self.peer = peer
        self.latency = latency
        self.in_flight = 0
        self.peak = 0
        self.counts: dict[str, int] = {}

    def slow(self, kind: str, reply):
        async def answer(request):
            self.in_flight += 1
            self.peak = max(self.peak, self.in_flight)
            self.counts[kind] = self.counts.get(kind, 0) + 1
            try:
                await asyncio.sleep(self.latency)
                return reply(request) if callable(reply) else reply
            finally:
                self.in_flight -= 1
        return answer

    def reset(self) -> None:
        self.peak, self.counts = 0, {}


def note(peer: RemotePeer, number: int, **fields) -> Reply:
    body = {"@context": "https://www.w3.org/ns/activitystreams", "id": f"{peer.actor_id}/statuses/{number}",
            "type": "Note", "attributedTo": peer.actor_id, "content": f"<p>{number}</p>", "to": [PUBLIC], **fields}
    return Reply(200, {"content-type": ACTIVITY_JSON}, json.dumps(body).encode())


async def run(args, database_url: str, data_dir: Path) -> None:
    async with RemotePeer("dora") as peer:
        remote = SlowRemote(peer, args.latency_ms / 1000)
        peer.serve_webfinger()
        peer.server.routes["/.well-known/webfinger"] = remote.slow("webfinger", peer.server.routes["/.well-known/webfinger"])
        peer.server.routes["/users/dora"] = remote.slow("actor", peer.server.routes["/users/dora"])
        async with ServedInstance(database_url, sections={"instance": {"data_dir": str(data_dir)}}) as served:
            await create_local_account(served.services.urls, "reader")
            token = await create_api_token("reader")

            async with httpx.AsyncClient(timeout=60, limits=httpx.Limits(max_connections=args.searches)) as client:
                async def search():
                    response = await client.get(f"{served.base_url}/api/v2/search",
                                                params={"q": f"@{peer.handle}", "resolve": "true"},
                                                headers={"Authorization": f"Bearer {token}"})
                    return response.json()["accounts"]

                started = time.perf_counter()
                results = await asyncio.gather(*(search() for _ in range(args.searches)))
                elapsed = time.perf_counter() - started
            found = {tuple(a["id"] for a in accounts) for accounts in results}
            print(f"{args.searches} concurrent searches for an unknown handle: {elapsed * 1000:.0f} ms; "
                  f"all found the same account: {len(found) == 1 and bool(next(iter(found)))}; "
                  f"WebFinger requests: {remote.counts.get('webfinger', 0)}, "
                  f"actor requests: {remote.counts.get('actor', 0)}")

            resolver = served.services.resolver
            job = FetchJob(resolver, max_ancestors=args.ancestors + 10, max_replies=args.replies + 10)
            for number in range(1, args.ancestors + 2):
                parent = {"inReplyTo": f"{peer.actor_id}/statuses/{number - 1}"} if number > 1 else {}
                peer.server.routes[f"/users/dora/statuses/{number}"] = remote.slow("post", note(peer, number, **parent))
            remote.reset()
            started = time.perf_counter()
            bottom = await resolver.post(f"{peer.actor_id}/statuses/{args.ancestors + 1}")
            while await job.run_once():
                pass
            elapsed = time.perf_counter() - started
            chain = 0
            post = await Post.get(uri=bottom.uri)
            while post.in_reply_to_id:
                post = await Post.get(id=post.in_reply_to_id)
                chain += 1
            print(f"a reply under {args.ancestors} unknown parents: {elapsed * 1000:.0f} ms to fetch the thread; "
                  f"{chain} parents linked; post requests: {remote.counts.get('post', 0)}; "
                  f"peak in flight at the remote: {remote.peak}")

            base = 1000
            items = [f"{peer.actor_id}/statuses/{base + n}" for n in range(1, args.replies + 1)]
            peer.server.routes[f"/users/dora/statuses/{base}"] = remote.slow("post", note(
                peer, base, replies={"type": "Collection", "first": {"type": "CollectionPage", "items": items}}))
            for n in range(1, args.replies + 1):
                peer.server.routes[f"/users/dora/statuses/{base + n}"] = remote.slow(
                    "post", note(peer, base + n, inReplyTo=f"{peer.actor_id}/statuses/{base}"))
            root = await resolver.post(f"{peer.actor_id}/statuses/{base}")
            remote.reset()
            started = time.perf_counter()
            await enqueue_fetch(FetchKind.REPLIES, root.uri)
            while await job.run_once():
                pass
            elapsed = time.perf_counter() - started
            fetched = await Post.filter(in_reply_to_id=root.pk).count()
            print(f"the {args.replies} replies of an opened post: {elapsed * 1000:.0f} ms; {fetched} fetched; "
                  f"peak in flight at the remote: {remote.peak} "
                  f"(per-host limit {served.services.settings.fetching.per_host_concurrency})")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--searches", type=int, default=100)
    parser.add_argument("--ancestors", type=int, default=50)
    parser.add_argument("--replies", type=int, default=50)
    parser.add_argument("--latency-ms", type=float, default=5.0)
    parser.add_argument("--postgres", help="a PostgreSQL server URL (a database is created and dropped)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        if args.postgres:
            name = f"bench_resolver_{secrets.token_hex(4)}"
            await _admin_execute(args.postgres, f'CREATE DATABASE "{name}"')
            url = _with_database_name(args.postgres, name)
        else:
            url = f"sqlite://{folder}/bench.sqlite3"
        try:
            config = db.tortoise_config(url)
            await db.migrate(config)
            await db.close_database()
            await db.open_database(config)
            try:
                await run(args, url, Path(folder) / "data")
            finally:
                await db.close_database()
        finally:
            if args.postgres:
                await _admin_execute(args.postgres, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    asyncio.run(main())
