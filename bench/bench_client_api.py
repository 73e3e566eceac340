"""Client API read paths: a page of the home timeline, the local public timeline and
notifications, rendered in-process (Quart test client, no network) on a fresh database.

    PYTHONPATH=. python bench/bench_client_api.py [--authors 40] [--posts 25] [--runs 30]
        [--postgres postgres://postgres@127.0.0.1:5432/postgres]

The reader follows ``--authors`` local artists who each posted ``--posts`` times (every
fifth post a boost of another artist's post, every post favourited by the reader), and
has 200 notifications. Prints the wall time per request: median (min-max) over ``--runs``.
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import statistics
import tempfile
import time
from pathlib import Path

from fediserver import db
from fediserver.app import create_app
from fediserver.clock import utcnow
from fediserver.local_accounts import create_api_token, create_local_account
from fediserver.models import Favourite, Follow, FollowState, Notification, NotificationKind, Post, Visibility
from fediserver.urls import InstanceUrls
from tests.conftest import _admin_execute, _with_database_name, make_settings

REQUESTS = {
    "home, limit=20": "/api/v1/timelines/home?limit=20",
    "home, limit=40": "/api/v1/timelines/home?limit=40",
    "public local, limit=20": "/api/v1/timelines/public?local=true&limit=20",
    "notifications, limit=40": "/api/v1/notifications?limit=40",
}


async def seed(authors: int, posts: int) -> str:
    urls = InstanceUrls("https://art.example")
    reader = await create_local_account(urls, "reader")
    artists = [await create_local_account(urls, f"artist{i}") for i in range(authors)]
    now = utcnow()
    made: list[Post] = []
    for n in range(posts):
        for artist in artists:
            boost_of = made[-authors + 1] if n % 5 == 4 and len(made) >= authors else None
            post = await Post.create(
                uri=f"{artist.uri}/statuses/b{n}", account=artist, content="" if boost_of else f"<p>work {n}</p>",
                visibility=Visibility.PUBLIC, local=True, published_at=now, boost_of=boost_of,
                tags=[] if boost_of else [{"type": "Hashtag", "name": "#ink", "href": "https://art.example/tags/ink"}],
            )
            made.append(post)
            if boost_of is None:
                await Favourite.create(account=reader, post=post, uri=f"{post.uri}#like")
    for artist in artists:
        await Follow.create(follower=reader, target=artist, state=FollowState.ACCEPTED)
    for i in range(200):
        await Notification.create(account=reader, from_account=artists[i % authors], kind=NotificationKind.FAVOURITE,
                                  post=made[i])
    return await create_api_token("reader")


async def measure(url: str, args) -> dict[str, list[float]]:
    config = db.tortoise_config(url)
    await db.migrate(config)
    await db.close_database()
    await db.open_database(config)
    try:
        token = await seed(args.authors, args.posts)
        app = create_app(make_settings(url), manage_database=False, run_jobs=False)
        client = app.test_client()
        headers = {"Authorization": f"Bearer {token}"}
        timings: dict[str, list[float]] = {name: [] for name in REQUESTS}
        for _ in range(args.runs):
            for name, path in REQUESTS.items():
                started = time.perf_counter()
                response = await client.get(path, headers=headers)
                timings[name].append((time.perf_counter() - started) * 1000)
                assert response.status_code == 200, await response.get_data(as_text=True)
        await app.config["SERVICES"].aclose()
        return timings
    finally:
        await db.close_database()


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--authors", type=int, default=40)
    parser.add_argument("--posts", type=int, default=25)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--postgres")
    args = parser.parse_args()
    results = {}
    with tempfile.TemporaryDirectory() as folder:
        results["SQLite"] = await measure(f"sqlite://{Path(folder) / 'bench.sqlite3'}", args)
    if args.postgres:
        name = f"fediserver_bench_{secrets.token_hex(4)}"
        await _admin_execute(args.postgres, f'CREATE DATABASE "{name}"')
        try:
            results["PostgreSQL"] = await measure(_with_database_name(args.postgres, name), args)
        finally:
            await _admin_execute(args.postgres, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    print(f"{args.authors} followed artists x {args.posts} posts, {args.runs} runs\n")
    print("| database | request | ms median (min-max) |")
    print("| --- | --- | ---: |")
    for database, timings in results.items():
        for name, values in timings.items():
            print(f"| {database} | {name} | {statistics.median(values):.1f} ({min(values):.1f}-{max(values):.1f}) |")


if __name__ == "__main__":
    asyncio.run(main())
