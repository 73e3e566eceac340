"""Inbound processing throughput: how fast the inbound job drains a backlog of stored
activities from 50 remote actors, on SQLite and on PostgreSQL.

The backlog is a realistic mix per actor: a Follow of a local artist (which queues an
Accept), public posts with an image and a mention, likes and boosts of the artist's
post. Everything is stored first (as the inbox endpoint does before answering 202),
then timed while one InboundProcessor works through it batch by batch.

Run: PYTHONPATH=. python bench/bench_inbox.py [--items N] [--postgres postgres://postgres@127.0.0.1:5432/postgres] [--json FILE]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import secrets
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from fediserver import db as database
from fediserver.clock import utcnow
from fediserver.local_accounts import create_local_account
from fediserver.models import Account, InboundItem, InboundState, Post
from fediserver.urls import InstanceUrls
from inbox.processing import InboundProcessor
from inbox.queue import store_inbound

ACTORS = 50
PUBLIC = "https://www.w3.org/ns/activitystreams#Public"


def activities_of(actor: str, artist: Account, post_uri: str, count: int) -> list[dict]:
    made = [{"id": f"{actor}#follows/1", "type": "Follow", "actor": actor, "object": artist.uri}]
    for n in range(count - 1):
        kind = n % 4
        if kind == 0:
            made.append({"id": f"{actor}#likes/{n}", "type": "Like", "actor": actor, "object": post_uri})
        elif kind == 1:
            made.append({"id": f"{actor}/statuses/{n}/activity", "type": "Announce", "actor": actor,
                         "object": post_uri, "to": [PUBLIC]})
        else:
            made.append({
                "id": f"{actor}/statuses/{n}/activity", "type": "Create", "actor": actor, "to": [PUBLIC],
                "object": {
                    "id": f"{actor}/statuses/{n}", "type": "Note", "attributedTo": actor, "to": [PUBLIC],
                    "content": f'<p><a href="{artist.uri}" class="u-url mention">@ada</a> sketch {n}</p>',
                    "tag": [{"type": "Mention", "href": artist.uri}],
                    "attachment": [{"type": "Document", "mediaType": "image/jpeg",
                                    "url": f"{actor}/media/{n}.jpg", "name": "a sketch", "width": 800}],
                },
            })
    return made


async def measure(url: str, items: int) -> tuple[float, int]:
    config = database.tortoise_config(url)
    await database.migrate(config)
    await database.close_database()
    await database.open_database(config)
    try:
        artist = await create_local_account(InstanceUrls("https://art.example"), "ada")
        post = await Post.create(uri=f"{artist.uri}/statuses/1", account=artist, local=True, published_at=utcnow())
        for a in range(ACTORS):
            actor = f"https://server{a % 10}.example/users/u{a}"
            await Account.create(username=f"u{a}", domain=f"server{a % 10}.example", uri=actor,
                                 inbox_url=f"{actor}/inbox", followers_url=f"{actor}/followers")
            for activity in activities_of(actor, artist, post.uri, items // ACTORS):
                await store_inbound(activity, actor_uri=actor, key_id=None)
        processor = InboundProcessor(batch_size=50)
        started = time.perf_counter()
        while await processor.run_once():
            pass
        elapsed = time.perf_counter() - started
        done = await InboundItem.filter(state=InboundState.DONE).count()
        return elapsed, done
    finally:
        await database.close_database()


async def _server_execute(url: str, statement: str) -> None:
    import asyncpg

    connection = await asyncpg.connect(url.replace("postgres://", "postgresql://", 1))
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=5000)
    parser.add_argument("--postgres", help="a PostgreSQL server URL where a scratch database may be created")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        rows.append(("SQLite (WAL, file)", *await measure(f"sqlite://{folder}/bench.sqlite3", args.items)))
    if args.postgres:
        name = f"fediserver_bench_{secrets.token_hex(4)}"
        await _server_execute(args.postgres, f'CREATE DATABASE "{name}"')
        try:
            scratch = urlunsplit(urlsplit(args.postgres)._replace(path=f"/{name}"))
            rows.append(("PostgreSQL", *await measure(scratch, args.items)))
        finally:
            await _server_execute(args.postgres, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    print(f"{args.items} stored activities from {ACTORS} actors, one worker, batch 50")
    print("| database | seconds | applied | activities/s |\n| --- | ---: | ---: | ---: |")
    for label, elapsed, done in rows:
        print(f"| {label} | {elapsed:.1f} | {done} | {done / elapsed:.0f} |")
    if args.json:
        args.json.write_text(json.dumps({label: {"seconds": elapsed, "applied": done, "per_second": done / elapsed}
                                         for label, elapsed, done in rows}))


if __name__ == "__main__":
    asyncio.run(main())
