"""Cost of the crawler guard per request, in process: the User-Agent search, the response
hook (headers, and the meta tag rewrite of an HTML page), and a whole request through
Quart's test client with and without the guard installed.

Run: PYTHONPATH=. python bench/bench_crawler_guard.py
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

from quart import Quart, Response

from media.crawler_guard import CrawlerGuard, install_crawler_guard
from media.crawler_settings import CrawlerGuardSettings

SETTINGS = CrawlerGuardSettings(base_url="https://art.example", limit_media_rate=False)
USER_AGENTS = {
    "browser (Chrome)": (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/120.0.0.0 Safari/537.36"
    ),
    "server (Mastodon)": "http.rb/5.1.1 (Mastodon/4.3.0; +https://mastodon.social/)",
    "crawler (GPTBot)": "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; GPTBot/1.2; +https://openai.com/gptbot)",
}
PAGE = (
    "<!doctype html><html lang=en><head><title>Ada</title></head><body>"
    + "<figure><img src='/media/a.webp' alt='a drawing'><figcaption>ink on paper</figcaption></figure>" * 120
    + "</body></html>"
)


ROUNDS = 5  # each figure is the best of this many rounds, to keep GC pauses and noise out


def per_call_microseconds(function: Callable[[], object], calls: int) -> float:
    best = float("inf")
    for _ in range(ROUNDS):
        started = time.perf_counter()
        for _ in range(calls):
            function()
        best = min(best, time.perf_counter() - started)
    return best / calls * 1e6


async def per_await_microseconds(function: Callable[[], Awaitable[object]], calls: int) -> float:
    best = float("inf")
    for _ in range(ROUNDS):
        started = time.perf_counter()
        for _ in range(calls):
            await function()
        best = min(best, time.perf_counter() - started)
    return best / calls * 1e6


def build_app(with_guard: bool) -> Quart:
    app = Quart(__name__)
    if with_guard:
        install_crawler_guard(app, SETTINGS)

    @app.get("/@ada")
    async def page():
        return PAGE

    @app.get("/media/a.webp")
    async def image():
        return Response(b"RIFF\x00\x00\x00\x00WEBP" + bytes(20_000), content_type="image/webp")

    return app


async def main() -> None:
    guard = CrawlerGuard(SETTINGS)
    rows: list[tuple[str, float]] = []
    for label, user_agent in USER_AGENTS.items():
        search_cost = per_call_microseconds(lambda ua=user_agent: guard.listed_crawler_in(ua), 20_000)
        rows.append((f"UA search, {label}", search_cost))

    async def hook_cost(content: str | bytes, content_type: str) -> float:
        best = float("inf")
        for _ in range(ROUNDS):
            responses = [Response(content, content_type=content_type) for _ in range(3_000)]
            started = time.perf_counter()
            for response in responses:
                await guard.add_signals(response)
            best = min(best, (time.perf_counter() - started) / len(responses) * 1e6)
        return best

    rows.append(("headers on an image response", await hook_cost(b"x" * 20_000, "image/webp")))
    rows.append((f"headers + meta tags on a {len(PAGE) // 1024} KiB page", await hook_cost(PAGE, "text/html")))

    for path in ("/@ada", "/media/a.webp"):
        costs = {}
        for with_guard in (False, True):
            client = build_app(with_guard).test_client()
            headers = {"User-Agent": USER_AGENTS["browser (Chrome)"]}
            costs[with_guard] = await per_await_microseconds(lambda c=client: c.get(path, headers=headers), 500)
        rows.append((f"whole request {path}, no guard", costs[False]))
        rows.append((f"whole request {path}, guard", costs[True]))
        rows.append((f"  guard share of {path}", costs[True] - costs[False]))

    width = max(len(label) for label, _ in rows)
    print(f"{'measure'.ljust(width)} | µs per call")
    print(f"{'-' * width}-|------------")
    for label, microseconds in rows:
        print(f"{label.ljust(width)} | {microseconds:10.1f}")


if __name__ == "__main__":
    asyncio.run(main())
