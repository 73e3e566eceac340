"""The authenticated home timeline a client loads first: database queries per request
(whatever the page size), its request rate against WebFinger's in the same run, and the
writes a known token costs per request. In-process (Quart test client, no network).

    PYTHONPATH=. python bench/bench_home_timeline.py [--runs 200] [--posts 60] [--others 0]
        [--postgres postgres://postgres@127.0.0.1:5432/postgres]

The reader follows 10 artists; the newest posts of the home timeline each carry two
images, mention the reader and another artist, are favourited by the reader, and every
fourth one is a boost. Queries are counted from tortoise's query log.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import logging
import secrets
import tempfile
import time
from pathlib import Path

from fediserver import db
from fediserver.app import create_app
from fediserver.clock import utcnow
from fediserver.local_accounts import create_api_token, create_local_account
from fediserver.models import Favourite, Follow, FollowState, MediaAttachment, Post, Visibility
from fediserver.urls import InstanceUrls
from tests.conftest import _admin_execute, _with_database_name, make_settings

AUTHORS = 10
PAGE_SIZES = (5, 20, 40)


class QueryCounter(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.queries: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        text = record.getMessage().lstrip()
        if text.split(" ", 1)[0].upper() in ("SELECT", "INSERT", "UPDATE", "DELETE", "WITH"):
            self.queries.append(text)

    def writes(self) -> list[str]:
        return [q for q in self.queries if q.split(" ", 1)[0].upper() in ("INSERT", "UPDATE", "DELETE")]


def _key(name: str, extension: str) -> str:
    digest = hashlib.sha256(name.encode()).hexdigest()
    return f"{digest[:2]}/{digest[2:4]}/{digest}.{extension}"


async def seed(posts: int, others: int = 0) -> str:
    urls = InstanceUrls("https://art.example")
    reader = await create_local_account(urls, "reader")
    artists = [await create_local_account(urls, f"artist{i}") for i in range(AUTHORS)]
    for artist in artists:
        await Follow.create(follower=reader, target=artist, state=FollowState.ACCEPTED)
    now = utcnow()
    made: list[Post] = []
    for n in range(posts):
        artist = artists[n % AUTHORS]
        if n % 4 == 3 and made:
            made.append(await Post.create(uri=f"{artist.uri}/boosts/{n}", account=artist, boost_of=made[-2],
                                          visibility=Visibility.PUBLIC, local=True, published_at=now))
            continue
        other = artists[(n + 1) % AUTHORS]
        post = await Post.create(
            uri=f"{artist.uri}/statuses/h{n}", account=artist, visibility=Visibility.PUBLIC, local=True,
            published_at=now, content=f"<p>@reader @{other.username} study {n}</p>",
            tags=[{"type": "Mention", "href": reader.uri, "name": "@reader"},
                  {"type": "Mention", "href": other.uri, "name": f"@{other.username}"},
                  {"type": "Hashtag", "href": "https://art.example/tags/ink", "name": "#ink"}],
        )
        for i in range(2):
            display, thumbnail, original = (_key(f"{kind}{n}-{i}", ext) for kind, ext in
                                            (("d", "webp"), ("t", "webp"), ("o", "jpg")))
            await MediaAttachment.create(account=artist, post=post, mime="image/webp", width=1200, height=800,
                                         display_key=display, thumbnail_key=thumbnail, original_key=original,
                                         blurhash="LEHV6nWB2yk8pyo0adR*.7kCMdnj")
        await Favourite.create(account=reader, post=post, uri=f"{post.uri}#like")
        made.append(post)
    # The rest of the instance: newer posts by an account the reader does not follow, which
    # her home timeline must pass over (a real instance holds far more of these).
    stranger = await create_local_account(urls, "stranger")
    for start in range(0, others, 1000):
        batch = [Post(uri=f"{stranger.uri}/statuses/o{n}", account=stranger, visibility=Visibility.PUBLIC,
                      local=True, published_at=now, content="<p>elsewhere</p>")
                 for n in range(start, min(start + 1000, others))]
        await Post.bulk_create(batch)
    return await create_api_token("reader")


async def measure(url: str, runs: int, posts: int = 60, others: int = 0) -> dict:
    config = db.tortoise_config(url)
    await db.migrate(config)
    await db.close_database()
    await db.open_database(config)
    counter = QueryCounter()
    query_log = logging.getLogger("tortoise.db_client")
    try:
        token = await seed(posts, others)
        app = create_app(make_settings(url, logging={"access_log": False}), manage_database=False, run_jobs=False)
        client = app.test_client()
        headers = {"Authorization": f"Bearer {token}"}
        results: dict = {"queries": {}}
        first = await client.get("/api/v1/timelines/home?limit=40", headers=headers)  # stamps the token's use
        assert first.status_code == 200, await first.get_data(as_text=True)
        query_log.addHandler(counter)
        query_log.setLevel(logging.DEBUG)
        for size in PAGE_SIZES:
            counter.queries.clear()
            response = await client.get(f"/api/v1/timelines/home?limit={size}", headers=headers)
            page = await response.get_json()
            assert response.status_code == 200 and len(page) == size, page
            results["queries"][size] = len(counter.queries)
        results["media"] = sum(len(s["media_attachments"]) + len((s["reblog"] or {}).get("media_attachments", []))
                               for s in page)
        results["boosts"] = sum(1 for s in page if s["reblog"])
        counter.queries.clear()
        for _ in range(20):
            await client.get("/api/v1/timelines/home?limit=40", headers=headers)
        results["token_writes"] = len(counter.writes())
        query_log.removeHandler(counter)
        query_log.setLevel(logging.WARNING)

        rates = {}
        for name, path, extra in (
            ("WebFinger", "/.well-known/webfinger?resource=acct:artist1@art.example", {}),
            ("home, limit=40", "/api/v1/timelines/home?limit=40", headers),
        ):
            started = time.perf_counter()
            for _ in range(runs):
                response = await client.get(path, headers=extra)
                assert response.status_code == 200
            rates[name] = runs / (time.perf_counter() - started)
        results["rates"] = rates
        await app.config["SERVICES"].aclose()
        return results
    finally:
        query_log.removeHandler(counter)
        await db.close_database()


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--posts", type=int, default=60, help="posts on the reader's home (the page shows the newest 40)")
    parser.add_argument("--others", type=int, default=0, help="posts by accounts the reader does not follow")
    parser.add_argument("--postgres")
    args = parser.parse_args()
    results = {}
    with tempfile.TemporaryDirectory() as folder:
        results["SQLite"] = await measure(f"sqlite://{Path(folder) / 'bench.sqlite3'}", args.runs,
                                          args.posts, args.others)
    if args.postgres:
        name = f"fediserver_bench_{secrets.token_hex(4)}"
        await _admin_execute(args.postgres, f'CREATE DATABASE "{name}"')
        try:
            results["PostgreSQL"] = await measure(_with_database_name(args.postgres, name), args.runs,
                                                  args.posts, args.others)
        finally:
            await _admin_execute(args.postgres, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    sizes = ", ".join(f"limit={s}" for s in PAGE_SIZES)
    print(f"home timeline, {args.runs} requests each, queries counted for {sizes}\n")
    print("| database | queries per request (" + sizes + ") | writes in 20 requests, same token "
          "| home req/s | WebFinger req/s | home / WebFinger |")
    print("| --- | --- | ---: | ---: | ---: | ---: |")
    for database, r in results.items():
        home, finger = r["rates"]["home, limit=40"], r["rates"]["WebFinger"]
        print(f"| {database} | {' / '.join(str(r['queries'][s]) for s in PAGE_SIZES)} | {r['token_writes']} "
              f"| {home:.0f} | {finger:.0f} | {home / finger:.0%} |")
    print(f"\n(the limit=40 page held {results['SQLite']['media']} images and {results['SQLite']['boosts']} boosts)")


if __name__ == "__main__":
    asyncio.run(main())
