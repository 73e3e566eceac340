"""The public pages an artist's visitors open: server CPU per view against the actor JSON
GET on the same server in the same run, queries when not cached, and the bytes a
1280x800 browser loads for a portfolio of 60 works.

    PYTHONPATH=. python bench/bench_web_pages.py [--works 60] [--views 400]

CPU: requests go through the app in-process (Quart test client, so no HTTP parsing on
either side), ``time.process_time`` around ``--views`` requests of each kind, after a
warm-up; the figure is CPU per request. "cached" is the anonymous page cache as served;
"uncached" is a second app on the same database with ``web.page_cache_seconds = 0``.
Bytes: the instance served by Hypercorn on a free loopback port, Debian's Chromium
(Playwright) opening ``/@ada`` at 1280x800 with an empty cache; the bytes on the wire of
every response are counted (HTML, CSS, and the images the browser chose to load: the
grid's images are lazy), then a second view with the browser's cache warm. The images
are derivatives of 3000x2000 noisy gradients, which compress better than most artwork.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

from fediserver import db
from fediserver.app import create_app
from fediserver.local_accounts import create_local_account
from outbox import portfolio
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, DESKTOP
from tests.conftest import make_settings
from tests.interop.served_instance import ServedInstance
from tests.web.conftest import artwork, chunks
from tests.web.query_counter import counted_queries

AP = {"Accept": "application/activity+json"}


def settings(database_url: str, data_dir: Path, domain: str, **web):
    return make_settings(database_url, instance={"data_dir": str(data_dir), "name": "Inkwell", "domain": domain,
                                                 "scheme": "http", "allow_http": True},
                         logging={"access_log": False}, web=web)


async def seed(app, works: int) -> list[int]:
    services = app.config["SERVICES"]
    artist = await create_local_account(services.urls, "ada", display_name="Ada Lindqvist")
    artist.summary = "<p>Etcher and printmaker.</p>"
    await artist.save()
    posts = []
    for n in range(works):
        # Photographs from a phone: 3000x2000, shrunk to the instance's display size.
        media = await services.media.accept_upload(
            artist, chunks(artwork(size=(3000, 2000), seed=n)), declared_type="image/jpeg", description=f"study {n}")
        posts.append((await portfolio.publish_work(artist, f"Study {n}\n\nDrypoint.", media=[media],
                                                   notes=services.notes, facets={"medium": ["drypoint"]})).pk)
    series = await portfolio.create_series(artist, "Harbours", media_url=services.notes.media_url)
    await portfolio.set_series_works(series, artist, posts[:8], media_url=services.notes.media_url)
    return posts


async def cpu_per_request(client, path: str, views: int, headers=None) -> float:
    for _ in range(20):
        await client.get(path, headers=headers or {})
    started = time.process_time()
    for _ in range(views):
        response = await client.get(path, headers=headers or {})
        assert response.status_code in (200, 304), (path, response.status_code)
        await response.get_data()
    return (time.process_time() - started) / views


async def queries_for(client, path: str) -> int:
    with counted_queries() as seen:
        await client.get(path)
    return len(seen)


async def browser_bytes(served: ServedInstance) -> dict:
    from playwright.async_api import async_playwright

    if True:
        async with async_playwright() as playwright:
            chromium = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            context = await chromium.new_context(viewport=DESKTOP)
            page = await context.new_page()
            loads: list[tuple[str, int]] = []

            async def record(response):
                # Bytes on the wire (headers and body as sent; nothing for a response the
                # browser took from its own cache).
                try:
                    await response.finished()
                    sizes = await response.request.sizes()
                except Exception:  # aborted loads
                    return
                loads.append((response.request.resource_type,
                              sizes["responseBodySize"] + sizes["responseHeadersSize"]))

            page.on("response", lambda response: asyncio.ensure_future(record(response)))
            await page.goto(served.base_url + "/@ada", wait_until="networkidle")
            await asyncio.sleep(0.5)
            first = list(loads)
            loads.clear()
            await page.goto(served.base_url + "/@ada", wait_until="networkidle")
            await asyncio.sleep(0.5)
            repeat = list(loads)
            await chromium.close()
    by_type: dict[str, list[int]] = {}
    for kind, size in first:
        by_type.setdefault(kind, []).append(size)
    return {"first": by_type, "first_total": sum(s for _, s in first), "repeat_total": sum(s for _, s in repeat),
            "repeat_requests": len(repeat)}


async def main(args) -> None:
    folder = Path(tempfile.mkdtemp(prefix="bench-web-"))
    database_url = f"sqlite://{folder / 'bench.sqlite3'}"
    await db.migrate(db.tortoise_config(database_url))
    await db.close_database()
    await db.open_database(db.tortoise_config(database_url))
    async with ServedInstance(database_url, sections={"instance": {"data_dir": str(folder / "data")}}) as served:
        posts = await seed(served.app, args.works)
        cached_app = create_app(settings(database_url, folder / "data", served.domain), manage_database=False,
                                run_jobs=False)
        uncached_app = create_app(settings(database_url, folder / "data", served.domain, page_cache_seconds=0),
                                  manage_database=False, run_jobs=False)
        cached, uncached = cached_app.test_client(), uncached_app.test_client()
        work = f"/@ada/{posts[len(posts) // 2]}"
        etag = (await cached.get("/@ada")).headers["ETag"]
        rows = [
            ("actor JSON GET /users/ada", await cpu_per_request(cached, "/users/ada", args.views, AP)),
            ("portfolio /@ada, cached", await cpu_per_request(cached, "/@ada", args.views)),
            ("portfolio /@ada, revalidated (304)",
             await cpu_per_request(cached, "/@ada", args.views, {"If-None-Match": etag})),
            ("work page, cached", await cpu_per_request(cached, work, args.views)),
            ("portfolio /@ada, not cached", await cpu_per_request(uncached, "/@ada", max(20, args.views // 10))),
            ("work page, not cached", await cpu_per_request(uncached, work, max(20, args.views // 10))),
        ]
        base = rows[0][1]
        print(f"{args.works} works; CPU per request (in-process), {args.views} views each:")
        for name, seconds in rows:
            print(f"  {name:40s} {seconds * 1e6:8.0f} µs   {seconds / base:5.2f}x the actor GET")
        print("Queries when not cached:")
        for name, path in (("portfolio", "/@ada"), ("work page", work), ("series", "/@ada/series/harbours"),
                           ("front", "/")):
            print(f"  {name:12s} {await queries_for(uncached, path)}")
        html = len(await (await cached.get("/@ada")).get_data())
        print(f"Portfolio HTML: {html} bytes")
        loaded = await browser_bytes(served)
    await db.close_database()
    print("A 1280x800 browser opening /@ada, empty cache:")
    for kind, sizes in sorted(loaded["first"].items()):
        print(f"  {kind:10s} {len(sizes):3d} responses {sum(sizes):9d} bytes")
    print(f"  total                   {loaded['first_total']:9d} bytes")
    print(f"  second view (warm cache): {loaded['repeat_requests']} responses, {loaded['repeat_total']} bytes")
    cached_cpu = dict(rows)["portfolio /@ada, cached"]
    uncached_cpu = dict(rows)["portfolio /@ada, not cached"]
    print("Cost per 1,000 portfolio views:")
    print(f"  server CPU: {cached_cpu * 1000:.2f} s served from the page cache, {uncached_cpu * 1000:.2f} s if none were")
    print(f"  bytes out: {loaded['first_total'] * 1000 / 1e6:.0f} MB for first visits, "
          f"{loaded['repeat_total'] * 1000 / 1e6:.1f} MB for returning visitors")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--works", type=int, default=60)
    parser.add_argument("--views", type=int, default=400)
    asyncio.run(main(parser.parse_args()))
