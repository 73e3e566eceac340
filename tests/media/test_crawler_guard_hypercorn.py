"""The guard's headers and refusals survive a real Hypercorn server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import socket

import httpx
from hypercorn.asyncio import serve
from hypercorn.config import Config
from quart import Quart, Response

from media.crawler_guard import install_crawler_guard
from media.crawler_settings import CrawlerGuardSettings


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def test_signals_and_refusal_over_a_real_server():
    app = Quart(__name__)
    settings = CrawlerGuardSettings(base_url="https://art.example", media_rate_burst=2, media_rate_per_minute=1)
    install_crawler_guard(app, settings)

    @app.get("/@ada")
    async def page():
        return "<!doctype html><html><head><title>Ada</title></head><body>art</body></html>"

    @app.get("/media/1.webp")
    async def artwork():
        return Response(b"RIFF\x00\x00\x00\x00WEBP", content_type="image/webp")

    port = free_port()
    config = Config()
    config.bind = [f"127.0.0.1:{port}"]
    config.accesslog = None
    stop = asyncio.Event()
    server = asyncio.create_task(serve(app, config, shutdown_trigger=stop.wait))
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
            for _ in range(100):
                try:
                    await client.get("/robots.txt")
                    break
                except httpx.TransportError:
                    await asyncio.sleep(0.05)

            for path in ("/@ada", "/media/1.webp", "/missing"):
                response = await client.get(path)
                assert response.headers.get_list("x-robots-tag") == ["noai, noimageai, noarchive"]
                assert response.headers["tdm-reservation"] == "1"
                assert response.headers["tdm-policy"] == "https://art.example/.well-known/tdm-policy.json"
                assert response.headers["content-usage"] == "train-ai=n"
            page = await client.get("/@ada")
            assert '<meta name="tdm-reservation" content="1">' in page.text
            assert int(page.headers["content-length"]) == len(page.content)

            refused = await client.get("/@ada", headers={"User-Agent": "Mozilla/5.0 (compatible; GPTBot/1.2)"})
            assert refused.status_code == 403
            assert refused.headers["tdm-reservation"] == "1"

            statuses = [(await client.get("/media/1.webp")).status_code for _ in range(3)]
            assert statuses == [200, 429, 429]
    finally:
        stop.set()
        await server
