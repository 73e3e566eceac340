"""Benchmark: 1,000 simultaneous first views of one newly arrived remote image.

    PYTHONPATH=. python bench/bench_remote_first_views.py [--views 1000] [--rounds 3] [--size 2000x1500]

A remote server on loopback serves camera-like JPEGs; the app (SQLite, local store,
``remote_mode = "cache"``) has just stored the attachments of a remote post, nothing
fetched yet. Each round:

1. The *fetch time*: after a warm-up fetch of image 0, one first view of image 1 on its
   own (``RemoteMedia.cached_key``, what the media route awaits: remote GET, provenance
   check, one decode and re-encode, storing).
2. ``--views`` first views of image 2 start at the same moment, each with its own copy
   of the row (loaded beforehand, as each request has loaded it when it asks for the
   file). Reported: remote GETs and decodes (target: 1 and 1) and the views' latency
   from asking for the file to having it (target: p99 <= fetch time + 100 ms).
3. The same through the whole app (``GET /media/remote/<id>/display`` via its ASGI
   interface, crawler guard, row lookup and streaming the file included) for image 3,
   and again once it is cached: what the HTTP side adds is the serving of 1,000
   responses in one process, not waiting for the fetch.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.federation.loopback_server import LoopbackServer, Reply  # noqa: E402
from tests.media.images import photo_like  # noqa: E402


def jpeg(size: tuple[int, int], seed: int) -> bytes:
    image = photo_like(size)
    image.putpixel((seed, 0), (seed % 256, 0, 0))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90)
    return out.getvalue()


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


async def one_round(workdir: Path, views: int, size: tuple[int, int], seed: int) -> dict[str, float]:
    from tortoise import Tortoise

    from fediserver.app import create_app
    from fediserver.config import settings_from_dict
    from fediserver.db import tortoise_config
    from fediserver.models import Account, MediaAttachment

    shutil.rmtree(workdir, ignore_errors=True)
    workdir.mkdir(parents=True)
    images = {f"/media/{n}.jpg": Reply(200, {"content-type": "image/jpeg"}, jpeg(size, seed + n)) for n in range(4)}
    async with LoopbackServer(images) as remote:
        database = f"sqlite://{workdir / 'bench.sqlite3'}"
        await Tortoise.init(config=tortoise_config(database))
        await Tortoise.generate_schemas()
        settings = settings_from_dict({
            "instance": {"domain": "art.example", "data_dir": str(workdir)},
            "database": {"url": database},
            "federation": {"allow_private_addresses": True},
            # The views stand for 1,000 different visitors, who each get their own allowance.
            "protection": {"media_rate_limit_per_minute": 10**9, "media_rate_limit_burst": 10**9},
        }, environ={})
        app = create_app(settings, manage_database=False, run_jobs=False)
        services = app.config["SERVICES"]
        decodes = 0
        make = services.remote_media.pipeline.maker.make

        async def counted_make(*args, **kwargs):
            nonlocal decodes
            decodes += 1
            return await make(*args, **kwargs)

        services.remote_media.pipeline.maker.make = counted_make
        bob = await Account.create(username="bob", domain="other.example", uri="https://other.example/users/bob")
        warm_up, first, second, third = [
            await MediaAttachment.create(account=bob, remote_url=f"{remote.base}/media/{n}.jpg", mime="image/jpeg")
            for n in range(4)
        ]
        remote_media = services.remote_media
        # Connections, the database and the image libraries warmed up, as in a running server.
        await remote_media.cached_key(await MediaAttachment.get(id=warm_up.id), "display")

        started = time.perf_counter()
        await remote_media.cached_key(await MediaAttachment.get(id=first.id), "display")
        fetch_time = time.perf_counter() - started
        decodes, gets_before = 0, len(remote.received)

        async def first_view(row: MediaAttachment) -> float:
            began = time.perf_counter()
            await remote_media.cached_key(row, "display")
            return time.perf_counter() - began

        rows = [await MediaAttachment.get(id=second.id) for _ in range(views)]
        latencies = await asyncio.gather(*(first_view(row) for row in rows))
        remote_gets, first_decodes = len(remote.received) - gets_before, decodes

        client = app.test_client()

        async def http_view() -> float:
            began = time.perf_counter()
            answer = await client.get(f"/media/remote/{third.id}/display")
            await answer.get_data()
            assert answer.status_code == 200, answer.status_code
            return time.perf_counter() - began

        decodes, gets_before = 0, len(remote.received)
        http_new = await asyncio.gather(*(http_view() for _ in range(views)))
        http_gets, http_decodes = len(remote.received) - gets_before, decodes
        http_cached = await asyncio.gather(*(http_view() for _ in range(views)))
        await services.aclose()
        await Tortoise.close_connections()
    return {
        "fetch_ms": fetch_time * 1000,
        "remote_gets": remote_gets,
        "decodes": first_decodes,
        "p50_ms": percentile(latencies, 0.50) * 1000,
        "p99_ms": percentile(latencies, 0.99) * 1000,
        "max_ms": max(latencies) * 1000,
        "http_gets": http_gets,
        "http_decodes": http_decodes,
        "http_new_p99_ms": percentile(http_new, 0.99) * 1000,
        "http_cached_p99_ms": percentile(http_cached, 0.99) * 1000,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--views", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--size", default="2000x1500", help="the remote image's size, WxH")
    args = parser.parse_args()
    size = tuple(int(side) for side in args.size.split("x"))
    print(f"{args.views} simultaneous first views of one new {size[0]}x{size[1]} remote JPEG, {args.rounds} rounds")
    print("round  fetch time  remote GETs  decodes   p50 ms   p99 ms   max ms  p99 - fetch  target"
          "  | HTTP: GETs decodes  p99 new  p99 cached")
    with tempfile.TemporaryDirectory(prefix="fediserver-bench-remote-") as folder:
        for number in range(1, args.rounds + 1):
            result = asyncio.run(one_round(Path(folder) / str(number), args.views, size, seed=number * 3))
            margin = result["p99_ms"] - result["fetch_ms"]
            ok = result["remote_gets"] == 1 and result["decodes"] == 1 and margin <= 100
            print(f"{number:>5}  {result['fetch_ms']:>7.0f} ms  {result['remote_gets']:>11}  {result['decodes']:>7}"
                  f"  {result['p50_ms']:>7.0f}  {result['p99_ms']:>7.0f}  {result['max_ms']:>7.0f}"
                  f"  {margin:>8.0f} ms  {'met' if ok else 'MISSED':>6}"
                  f"  | {result['http_gets']:>10} {result['http_decodes']:>7}  {result['http_new_p99_ms']:>7.0f}"
                  f"  {result['http_cached_p99_ms']:>10.0f}")


if __name__ == "__main__":
    main()
