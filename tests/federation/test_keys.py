"""PEM loading, key generation, and the TTL+LRU cache of loaded keys."""

import asyncio

import pytest

from federation.fetch_limits import FetchLimiter
from federation.keys import (
    CachingKeyResolver,
    KeyFormatError,
    KeyUnavailable,
    MemoryKeyCache,
    ResolvedKey,
    generate_rsa_private_key_pem,
    load_private_key_pem,
    load_public_key_pem,
    public_key_pem,
)

PRIVATE_PEM = generate_rsa_private_key_pem()
PUBLIC_PEM = public_key_pem(load_private_key_pem(PRIVATE_PEM))


def test_generated_key_is_rsa_2048_and_its_public_pem_loads():
    private = load_private_key_pem(PRIVATE_PEM)
    assert private.key_size == 2048
    assert PRIVATE_PEM.startswith("-----BEGIN PRIVATE KEY-----")
    assert load_public_key_pem(PUBLIC_PEM).public_numbers() == private.public_key().public_numbers()
    assert load_public_key_pem(PUBLIC_PEM.encode()).key_size == 2048


@pytest.mark.parametrize("pem", ["", "not a key", PRIVATE_PEM, "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----"])
def test_bad_public_pem_is_refused(pem):
    with pytest.raises(KeyFormatError):
        load_public_key_pem(pem)


def test_bad_private_pem_is_refused():
    with pytest.raises(KeyFormatError):
        load_private_key_pem(PUBLIC_PEM)


def key(key_id):
    return ResolvedKey(key_id, "https://a.example/actor", load_public_key_pem(PUBLIC_PEM))


async def test_cache_entries_expire_after_the_ttl():
    now = [0.0]
    cache = MemoryKeyCache(ttl_seconds=300, clock=lambda: now[0])
    await cache.put(key("k"))
    now[0] = 299
    assert await cache.get("k") == key("k")
    now[0] = 300
    assert await cache.get("k") is None
    assert len(cache) == 0


async def test_cache_drops_the_least_recently_used_entry():
    cache = MemoryKeyCache(max_entries=2)
    await cache.put(key("a"))
    await cache.put(key("b"))
    await cache.get("a")
    await cache.put(key("c"))
    assert await cache.get("b") is None
    assert await cache.get("a") is not None and await cache.get("c") is not None


async def test_resolver_fetches_on_a_miss_and_then_serves_the_loaded_key():
    fetched = []

    async def fetch(key_id):
        fetched.append(key_id)
        return key_id, "https://a.example/actor", PUBLIC_PEM

    resolver = CachingKeyResolver(MemoryKeyCache(), fetch)
    first = await resolver.resolve("https://a.example/actor#main-key")
    second = await resolver.resolve("https://a.example/actor#main-key")
    assert first is second
    assert first.owner == "https://a.example/actor"
    assert fetched == ["https://a.example/actor#main-key"]


async def test_concurrent_resolves_of_a_new_key_share_one_fetch():
    fetched = []
    release = asyncio.Event()

    async def fetch(key_id):
        fetched.append(key_id)
        await release.wait()
        return key_id, "https://a.example/actor", PUBLIC_PEM

    resolver = CachingKeyResolver(MemoryKeyCache(), fetch)
    waiting = [asyncio.ensure_future(resolver.resolve("https://a.example/actor#main-key")) for _ in range(5)]
    await asyncio.sleep(0)
    waiting[0].cancel()  # one request giving up does not stop the fetch the others wait for
    release.set()
    keys = await asyncio.gather(*waiting[1:])
    assert fetched == ["https://a.example/actor#main-key"]
    assert all(key is keys[0] for key in keys)
    assert (await resolver.resolve("https://a.example/actor#main-key")) is keys[0]


async def test_a_failed_shared_fetch_is_tried_again_by_the_next_request():
    attempts = []

    async def fetch(key_id):
        attempts.append(key_id)
        if len(attempts) == 1:
            raise ConnectionError("refused")
        return key_id, "https://a.example/actor", PUBLIC_PEM

    resolver = CachingKeyResolver(MemoryKeyCache(), fetch)
    with pytest.raises(KeyUnavailable):
        await resolver.resolve("k")
    assert (await resolver.resolve("k")).owner == "https://a.example/actor"
    assert len(attempts) == 2


@pytest.mark.parametrize("failure", [ConnectionError("refused"), KeyUnavailable("gone")])
async def test_resolver_reports_a_failed_fetch_as_key_unavailable(failure):
    async def fetch(key_id):
        raise failure

    with pytest.raises(KeyUnavailable):
        await CachingKeyResolver(MemoryKeyCache(), fetch).resolve("k")


async def test_resolver_refuses_a_fetched_document_without_a_valid_key():
    async def fetch(key_id):
        return key_id, "https://a.example/actor", "-----BEGIN PUBLIC KEY-----\ngarbage\n"

    cache = MemoryKeyCache()
    with pytest.raises(KeyUnavailable):
        await CachingKeyResolver(cache, fetch).resolve("k")
    assert len(cache) == 0


class HeldFetches:
    """A key fetcher whose fetches wait until released, counting how many run per host."""

    def __init__(self) -> None:
        self.release = asyncio.Event()
        self.started: list[str] = []
        self.running: dict[str, int] = {}
        self.most_running = 0
        self.most_per_host: dict[str, int] = {}

    async def __call__(self, key_id):
        host = key_id.split("/")[2]
        self.started.append(key_id)
        self.running[host] = self.running.get(host, 0) + 1
        self.most_running = max(self.most_running, sum(self.running.values()))
        self.most_per_host[host] = max(self.most_per_host.get(host, 0), self.running[host])
        try:
            await self.release.wait()
        finally:
            self.running[host] -= 1
        return key_id, f"https://{host}/actor", PUBLIC_PEM


async def settle():
    for _ in range(20):
        await asyncio.sleep(0)


async def test_key_fetches_run_within_the_global_and_the_per_host_limits():
    fetches = HeldFetches()
    limiter = FetchLimiter(concurrency=3, per_host_concurrency=2)
    resolver = CachingKeyResolver(MemoryKeyCache(), fetches, limiter=limiter)
    key_ids = [f"https://{host}.example/keys/{n}" for host in "aab" for n in range(3)]
    waiting = [asyncio.ensure_future(resolver.resolve(key_id)) for key_id in dict.fromkeys(key_ids)]
    await settle()
    assert limiter.running == len(fetches.started) == 3  # two of a's, one of b's
    assert sorted(fetches.started) == ["https://a.example/keys/0", "https://a.example/keys/1",
                                       "https://b.example/keys/0"]
    fetches.release.set()
    keys = await asyncio.gather(*waiting)
    assert len(keys) == 6 and len(fetches.started) == 6
    assert fetches.most_running == 3
    assert fetches.most_per_host["a.example"] == 2 and fetches.most_per_host["b.example"] <= 2
    assert limiter.running == 0 and not limiter._hosts  # idle hosts leave nothing behind


async def test_no_caller_waits_longer_than_the_wait_for_a_key_slot_included():
    fetches = HeldFetches()
    limiter = FetchLimiter(concurrency=1, per_host_concurrency=1)
    resolver = CachingKeyResolver(MemoryKeyCache(), fetches, limiter=limiter, wait_seconds=0.2)

    with pytest.raises(KeyUnavailable, match="gave up fetching key https://a.example/k after 0.2 s"):
        await resolver.resolve("https://a.example/k")
    # The only slot is still taken by that fetch: the next key waits for it, then gives up.
    with pytest.raises(KeyUnavailable, match="gave up waiting for a free slot to fetch key https://b.example/k"):
        await resolver.resolve("https://b.example/k")
    await settle()
    assert fetches.started == ["https://a.example/k"]  # nobody waits for b any more: never fetched

    fetches.release.set()
    assert (await resolver.resolve("https://a.example/k")).owner == "https://a.example/actor"
    assert (await resolver.resolve("https://b.example/k")).owner == "https://b.example/actor"
    assert fetches.started == ["https://a.example/k", "https://b.example/k"]


def test_fetch_limits_must_allow_a_fetch():
    with pytest.raises(ValueError):
        FetchLimiter(concurrency=0, per_host_concurrency=1)
