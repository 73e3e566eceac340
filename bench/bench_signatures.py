"""Cost of HTTP signatures: bare RSA-2048 verify against `verify_request` with a cached
key, for a 2 KB signed POST in both generations, and the cost of signing.

Run: PYTHONPATH=. python bench/bench_signatures.py [--runs 9] [--number 2000]
The operations are measured in turn within each run, so background load hits them
alike; the table gives the best and the median run in microseconds per operation.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

from federation.keys import (
    CachingKeyResolver,
    MemoryKeyCache,
    generate_rsa_private_key_pem,
    load_private_key_pem,
    public_key_pem,
)
from federation.signatures import Generation, sign_request, verify_request

ACTOR = "https://art.example/users/mira"
KEY_ID = ACTOR + "#main-key"
INBOX = "https://peer.example/users/juno/inbox"
CONTENT_TYPE = {"Content-Type": "application/activity+json"}


def two_kb_activity() -> bytes:
    activity = {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": ACTOR + "/statuses/1/activity",
        "type": "Create",
        "actor": ACTOR,
        "object": {"type": "Note", "content": ""},
    }
    activity["object"]["content"] = "x" * (2048 - len(json.dumps(activity)))
    return json.dumps(activity).encode()


async def time_per_call(operation, number: int) -> float:
    """Microseconds per call of `operation` (a function or a coroutine function)."""
    is_async = asyncio.iscoroutinefunction(operation)
    start = time.perf_counter()
    for _ in range(number):
        if is_async:
            await operation()
        else:
            operation()
    return (time.perf_counter() - start) / number * 1e6


async def main(runs: int, number: int) -> None:
    private_key = load_private_key_pem(generate_rsa_private_key_pem())
    public_key = private_key.public_key()
    body = two_kb_activity()

    async def fetch(key_id):
        return key_id, ACTOR, public_key_pem(private_key)

    resolver = CachingKeyResolver(MemoryKeyCache(), fetch)
    await resolver.resolve(KEY_ID)
    message = b"x" * 200
    raw_signature = private_key.sign(message, padding.PKCS1v15(), hashes.SHA256())

    operations = {
        "bare RSA-2048 PKCS#1 v1.5 verify": (
            lambda: public_key.verify(raw_signature, message, padding.PKCS1v15(), hashes.SHA256()),
            number,
        )
    }
    for generation in (Generation.CAVAGE, Generation.RFC9421):
        headers = CONTENT_TYPE | sign_request(
            "POST", INBOX, CONTENT_TYPE, body, key_id=KEY_ID, private_key=private_key,
            generation=generation,
        )

        async def verify(headers=headers):
            await verify_request("POST", INBOX, headers, body, resolve_key=resolver.resolve)

        operations[f"verify_request {generation}, cached key, 2 KB POST"] = (verify, number)
    operations["bare RSA-2048 PKCS#1 v1.5 sign"] = (
        lambda: private_key.sign(message, padding.PKCS1v15(), hashes.SHA256()),
        max(1, number // 10),
    )
    for generation in (Generation.CAVAGE, Generation.RFC9421):
        operations[f"sign_request {generation}, 2 KB POST"] = (
            lambda generation=generation: sign_request(
                "POST", INBOX, CONTENT_TYPE, body, key_id=KEY_ID, private_key=private_key,
                generation=generation,
            ),
            max(1, number // 10),
        )

    samples: dict[str, list[float]] = {name: [] for name in operations}
    for _ in range(runs):
        for name, (operation, count) in operations.items():
            samples[name].append(await time_per_call(operation, count))

    bare_verify = min(samples["bare RSA-2048 PKCS#1 v1.5 verify"])
    print(f"| operation ({runs} runs) | best us | median us | best / bare verify |")
    print("| --- | ---: | ---: | ---: |")
    for name, values in samples.items():
        best = min(values)
        print(f"| {name} | {best:.1f} | {statistics.median(values):.1f} | {best / bare_verify:.2f} |")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="HTTP signature costs")
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--number", type=int, default=2000)
    arguments = parser.parse_args()
    asyncio.run(main(arguments.runs, arguments.number))
