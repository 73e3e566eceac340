"""How much the vocabulary parser and the guarded HTTP client cost, printed as a table.

    PYTHONPATH=. python bench/bench_federation_client.py [--requests 2000]

Parsing runs over every real document in tests/fixtures/activitypub. The HTTP rows GET a
small JSON body from a keep-alive server on 127.0.0.1 in this same process, so they show
client overhead (server included), not network time: SafeHttpClient against plain httpx.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from pathlib import Path

import httpx

from federation.address_policy import AddressPolicy
from federation.errors import VocabError
from federation.http_client import HttpClientSettings, SafeHttpClient
from federation.vocab import parse_document

FIXTURES = Path(__file__).parent.parent / "tests" / "fixtures" / "activitypub"
BODY = json.dumps({"id": "http://127.0.0.1/users/a", "type": "Person"}).encode()
RESPONSE = (b"HTTP/1.1 200 OK\r\ncontent-type: application/activity+json\r\n"
            b"content-length: %d\r\n\r\n%s" % (len(BODY), BODY))


class KeepAliveServer(asyncio.Protocol):
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport
        self.buffer = b""

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while b"\r\n\r\n" in self.buffer:
            _, self.buffer = self.buffer.split(b"\r\n\r\n", 1)
            self.transport.write(RESPONSE)  # type: ignore[attr-defined]


def bench_parsing(rounds: int) -> tuple[int, float]:
    documents = [json.loads(p.read_text()) for p in sorted(FIXTURES.rglob("*.json"))]
    start = time.perf_counter()
    for _ in range(rounds):
        for doc in documents:
            try:
                parse_document(doc)
            except VocabError:
                pass
    return len(documents) * rounds, time.perf_counter() - start


async def bench_get(get, url: str, requests: int, concurrency: int) -> float:
    async def worker(count: int) -> None:
        for _ in range(count):
            await get(url)

    start = time.perf_counter()
    await asyncio.gather(*(worker(requests // concurrency) for _ in range(concurrency)))
    return time.perf_counter() - start


async def main(requests: int) -> None:
    rows = []
    count, seconds = bench_parsing(20)
    rows.append(("parse_document, 192 real documents", count / seconds, 1e6 * seconds / count))
    loop = asyncio.get_running_loop()
    server = await loop.create_server(KeepAliveServer, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    url = f"http://127.0.0.1:{port}/users/a"
    policy = AddressPolicy(allowed_endpoints=frozenset({("127.0.0.1", port)}))
    for concurrency in (1, 10):
        async with SafeHttpClient(HttpClientSettings(user_agent="bench"), policy=policy) as safe:
            seconds = await bench_get(safe.get, url, requests, concurrency)
        rows.append((f"SafeHttpClient.get, concurrency {concurrency}", requests / seconds,
                     1e6 * seconds / requests))
        async with httpx.AsyncClient() as plain:
            seconds = await bench_get(plain.get, url, requests, concurrency)
        rows.append((f"httpx.AsyncClient.get, concurrency {concurrency}", requests / seconds,
                     1e6 * seconds / requests))
    server.close()
    print(f"| {'operation':<42} | {'per second':>10} | {'us each':>8} |")
    print(f"| {'-' * 42} | {'-' * 10}:| {'-' * 8}:|")
    for name, rate, micros in rows:
        print(f"| {name:<42} | {rate:>10,.0f} | {micros:>8,.0f} |")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    asyncio.run(main(parser.parse_args().requests))
