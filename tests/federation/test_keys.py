"""PEM loading, key generation, and the TTL+LRU cache of loaded keys."""

import asyncio

import pytest

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
