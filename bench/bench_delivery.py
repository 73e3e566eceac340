"""Signed deliveries per worker CPU-second, through the delivery worker's own send path.

    PYTHONPATH=. python bench/bench_delivery.py [--requests 4000] [--hosts 50] [--concurrency 20] [--json FILE]

A separate process plays the remote servers (``--hosts`` ports on 127.0.0.1, keep-alive,
answering 202 without verifying). This process sends ``--requests`` POSTs of a 1.4 KB
activity the way `outbox.delivery.DeliveryWorker` does: each signed afresh by
`DoubleKnockSigner` (RFC 9421, RSA-2048) and posted through a `SafeHttpClient` built as
the worker builds it (address guard on, pool as large as the concurrency), at most
``--concurrency`` in flight and 4 per host. The figure is requests per CPU-second of this
process (user + system), the database left out: the queue's own writes are measured by
``bench_fanout.py``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def serve(hosts: int) -> None:
    """The remote servers: one port per host, every request answered 202."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from bench_fanout import start_inboxes

    async def main() -> None:
        servers, ports = await start_inboxes(hosts)
        print(json.dumps(ports), flush=True)
        await asyncio.Event().wait()

    asyncio.run(main())


async def deliver(ports: list[int], requests: int, concurrency: int) -> dict:
    from cryptography.hazmat.primitives.asymmetric import rsa

    from federation.address_policy import AddressPolicy
    from federation.double_knock import DoubleKnockSigner
    from federation.http_client import HttpClientSettings, SafeHttpClient
    from outbox.delivery import DELIVERY_HEADERS

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    settings = HttpClientSettings(user_agent="fediserver/bench", max_connections=concurrency)
    # The guard stays on: only these loopback ports are let through, each connect checked.
    policy = AddressPolicy(allowed_endpoints=frozenset(("127.0.0.1", port) for port in ports))
    client = SafeHttpClient(settings, policy=policy)

    async def send(method, url, headers, body):
        response = await client.post(url, content=body or b"", headers=headers)
        return response.status, response

    signer = DoubleKnockSigner(send, key_id="https://art.example/users/ada#main-key", private_key=key)
    body = json.dumps({
        "@context": "https://www.w3.org/ns/activitystreams", "type": "Create",
        "id": "https://art.example/users/ada/statuses/1/activity", "actor": "https://art.example/users/ada",
        "to": ["https://www.w3.org/ns/activitystreams#Public"],
        "object": {"type": "Note", "id": "https://art.example/users/ada/statuses/1",
                   "content": "<p>" + "A new painting, fresh off the easel. " * 30 + "</p>"},
    }).encode()
    in_flight = asyncio.Semaphore(concurrency)
    per_host = {port: asyncio.Semaphore(4) for port in ports}
    statuses: dict[int, int] = {}

    async def one(n: int) -> None:
        port = ports[n % len(ports)]
        async with in_flight, per_host[port]:
            status, _ = await signer.request("POST", f"http://127.0.0.1:{port}/users/f{n}/inbox",
                                             DELIVERY_HEADERS, body)
        statuses[status] = statuses.get(status, 0) + 1

    await asyncio.gather(*(one(n) for n in range(min(200, requests))))  # connections opened, warm
    statuses.clear()
    wall, cpu = time.perf_counter(), time.process_time()
    await asyncio.gather(*(one(n) for n in range(requests)))
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    await client.aclose()
    # The signature alone, in the same process and run: the ceiling the transport eats into.
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    signs = 300
    sign_cpu = time.process_time()
    for _ in range(signs):
        key.sign(body, padding.PKCS1v15(), hashes.SHA256())
    sign_cpu = time.process_time() - sign_cpu
    return {"requests": requests, "cpu_s": cpu, "wall_s": wall, "per_cpu_second": requests / cpu,
            "per_second": requests / wall, "statuses": statuses, "bare_signs_per_cpu_second": signs / sign_cpu}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=4000)
    parser.add_argument("--hosts", type=int, default=50)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve)
        return
    remote = subprocess.Popen([sys.executable, __file__, "--serve", str(args.hosts)], stdout=subprocess.PIPE,
                              env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        ports = json.loads(remote.stdout.readline())
        result = asyncio.run(deliver(ports, args.requests, args.concurrency))
    finally:
        remote.terminate()
        remote.wait()
    print(f"{result['requests']} signed POSTs to {args.hosts} hosts, {args.concurrency} in flight: "
          f"{result['per_cpu_second']:,.0f} per CPU-second, {result['per_second']:,.0f}/s wall, "
          f"statuses {result['statuses']}; bare RSA-2048 sign alone: "
          f"{result['bare_signs_per_cpu_second']:,.0f} per CPU-second")
    if args.json:
        args.json.write_text(json.dumps(result))


if __name__ == "__main__":
    main()
