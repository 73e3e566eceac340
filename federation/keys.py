"""Keys for HTTP signatures: PEM loading, generation, and a cache of loaded remote keys.

Remote actors publish their public key as PEM. Parsing PEM costs more than verifying a
signature, so verified keys are kept *loaded* in a `KeyCache`. `CachingKeyResolver`
looks a key id up in the cache, otherwise fetches it through a callback the server
supplies (a signed GET of the actor), and can refresh a key when a remote server has
rotated it. Its fetches are bounded: concurrent ones under a `FetchLimiter`, and the
time a caller waits for one. `verify_with_key_refresh` runs one verification with the
refresh-once rule.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol, TypeAlias

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from federation.fetch_limits import FetchLimiter

__all__ = [
    "KeyFormatError",
    "KeyUnavailable",
    "PublicKey",
    "PrivateKey",
    "ResolvedKey",
    "KeyCache",
    "MemoryKeyCache",
    "KeyFetcher",
    "CachingKeyResolver",
    "load_public_key_pem",
    "load_private_key_pem",
    "generate_rsa_private_key_pem",
    "public_key_pem",
    "verify_with_key_refresh",
]

PublicKey: TypeAlias = rsa.RSAPublicKey | ed25519.Ed25519PublicKey | ec.EllipticCurvePublicKey
PrivateKey: TypeAlias = (
    rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey | ec.EllipticCurvePrivateKey
)
# An HMAC shared secret (RFC 9421 hmac-sha256) travels as raw bytes.
VerificationKey: TypeAlias = PublicKey | bytes


class KeyFormatError(ValueError):
    """A PEM document does not hold a usable key."""


class KeyUnavailable(LookupError):
    """A key id could not be resolved to a key (unknown, unreachable, or malformed)."""


def _as_bytes(pem: str | bytes) -> bytes:
    return pem.encode("ascii", "replace") if isinstance(pem, str) else pem


def load_public_key_pem(pem: str | bytes) -> PublicKey:
    """Load an RSA, Ed25519 or EC public key from SPKI (`PUBLIC KEY`) or PKCS#1 PEM."""
    data = _as_bytes(pem).strip()
    try:
        key = serialization.load_pem_public_key(data)
    except (ValueError, UnsupportedAlgorithm) as error:
        raise KeyFormatError(f"not a public key PEM: {error}") from None
    if not isinstance(key, (rsa.RSAPublicKey, ed25519.Ed25519PublicKey, ec.EllipticCurvePublicKey)):
        raise KeyFormatError(f"unsupported public key type {type(key).__name__}")
    return key


def load_private_key_pem(pem: str | bytes) -> PrivateKey:
    """Load an RSA, Ed25519 or EC private key from unencrypted PKCS#8 or PKCS#1 PEM."""
    try:
        key = serialization.load_pem_private_key(_as_bytes(pem).strip(), password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm) as error:
        raise KeyFormatError(f"not an unencrypted private key PEM: {error}") from None
    if not isinstance(
        key, (rsa.RSAPrivateKey, ed25519.Ed25519PrivateKey, ec.EllipticCurvePrivateKey)
    ):
        raise KeyFormatError(f"unsupported private key type {type(key).__name__}")
    return key


def generate_rsa_private_key_pem(bits: int = 2048) -> str:
    """A fresh RSA private key as PKCS#8 PEM (what actors sign with)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode("ascii")


def public_key_pem(key: PrivateKey | PublicKey) -> str:
    """The SPKI PEM of a key's public half, as published in an actor's `publicKeyPem`."""
    public = key.public_key() if hasattr(key, "private_bytes") else key
    return public.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode("ascii")


@dataclass(frozen=True)
class ResolvedKey:
    """A loaded verification key and the actor that owns it.

    `algorithm` optionally pins the RFC 9421 algorithm the key may be used with
    (e.g. `rsa-pss-sha512`); without it the algorithm follows from the key type.
    """

    key_id: str
    owner: str
    public_key: VerificationKey
    algorithm: str | None = None


class KeyCache(Protocol):
    """Where loaded remote keys are kept between requests."""

    async def get(self, key_id: str) -> ResolvedKey | None: ...

    async def put(self, key: ResolvedKey) -> None: ...

    async def delete(self, key_id: str) -> None: ...


class MemoryKeyCache:
    """An in-process `KeyCache`: entries expire after `ttl_seconds`, and the least
    recently used entry is dropped once `max_entries` are held."""

    def __init__(
        self,
        *,
        max_entries: int = 10_000,
        ttl_seconds: float = 300.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if max_entries < 1 or ttl_seconds <= 0:
            raise ValueError("max_entries must be >= 1 and ttl_seconds > 0")
        self._entries: OrderedDict[str, tuple[float, ResolvedKey]] = OrderedDict()
        self._max_entries = max_entries
        self._ttl = ttl_seconds
        self._clock = clock

    def __len__(self) -> int:
        return len(self._entries)

    async def get(self, key_id: str) -> ResolvedKey | None:
        entry = self._entries.get(key_id)
        if entry is None:
            return None
        expires_at, key = entry
        if self._clock() >= expires_at:
            del self._entries[key_id]
            return None
        self._entries.move_to_end(key_id)
        return key

    async def put(self, key: ResolvedKey) -> None:
        self._entries[key.key_id] = (self._clock() + self._ttl, key)
        self._entries.move_to_end(key.key_id)
        while len(self._entries) > self._max_entries:
            self._entries.popitem(last=False)

    async def delete(self, key_id: str) -> None:
        self._entries.pop(key_id, None)


# Given a key id, return (key_id, owner_actor_id, public_key_pem).
KeyFetcher: TypeAlias = Callable[[str], Awaitable[tuple[str, str, str]]]


class _SharedFetch:
    """One fetch of a key id and the callers waiting for it."""

    __slots__ = ("task", "waiters", "started")

    def __init__(self) -> None:
        self.task: asyncio.Future[ResolvedKey] | None = None
        self.waiters = 0
        self.started = False  # holds a fetch slot (or needs none)


class CachingKeyResolver:
    """Resolves key ids through a `KeyCache`, fetching on a miss.

    `resolve` is what `verify_request(resolve_key=...)` wants; `refresh` bypasses the
    cache (for a key that no longer verifies, the remote side may have rotated it);
    `cached` answers from the cache alone, never fetching. Keys are cached under the key
    id that was asked for. Concurrent fetches of one key id share a single request: a
    burst of POSTs from a sender we have not met yet fetches its actor once.

    With a `limiter`, fetches run only in its free slots (overall and per host). With
    `wait_seconds`, no caller waits longer than that for a key, a free slot included;
    a fetch that has started carries on for whoever asks next (it is bounded by the
    HTTP client's own limits), one still waiting for a slot is dropped when nobody
    waits for it any more.
    """

    def __init__(
        self,
        cache: KeyCache,
        fetch: KeyFetcher,
        *,
        limiter: FetchLimiter | None = None,
        wait_seconds: float | None = None,
    ) -> None:
        self._cache = cache
        self._fetch = fetch
        self._limiter = limiter
        self._wait_seconds = wait_seconds
        self._in_flight: dict[str, _SharedFetch] = {}

    async def cached(self, key_id: str) -> ResolvedKey | None:
        """The key if it is held now; never fetches."""
        return await self._cache.get(key_id)

    async def resolve(self, key_id: str) -> ResolvedKey:
        cached = await self._cache.get(key_id)
        if cached is not None:
            return cached
        return await self.refresh(key_id)

    async def refresh(self, key_id: str) -> ResolvedKey:
        shared = self._in_flight.get(key_id)
        if shared is None:
            shared = self._start(key_id)
        shared.waiters += 1
        try:
            # Shielded: one waiting request giving up must not cancel the fetch the others share.
            if self._wait_seconds is None:
                return await asyncio.shield(shared.task)
            try:
                async with asyncio.timeout(self._wait_seconds):
                    return await asyncio.shield(shared.task)
            except TimeoutError:
                doing = "fetching" if shared.started else "waiting for a free slot to fetch"
                raise KeyUnavailable(f"gave up {doing} key {key_id} after {self._wait_seconds:g} s") from None
        finally:
            shared.waiters -= 1
            if shared.waiters == 0 and not shared.started and not shared.task.done():
                self._forget(key_id, shared)
                shared.task.cancel()

    def _start(self, key_id: str) -> _SharedFetch:
        shared = _SharedFetch()
        shared.task = asyncio.ensure_future(self._fetch_in_turn(key_id, shared))
        self._in_flight[key_id] = shared

        def finished(task: asyncio.Future[ResolvedKey]) -> None:
            self._forget(key_id, shared)
            if not task.cancelled():
                task.exception()  # retrieved: whoever waited has already been told

        shared.task.add_done_callback(finished)
        return shared

    def _forget(self, key_id: str, shared: _SharedFetch) -> None:
        if self._in_flight.get(key_id) is shared:
            del self._in_flight[key_id]

    async def _fetch_in_turn(self, key_id: str, shared: _SharedFetch) -> ResolvedKey:
        if self._limiter is None:
            shared.started = True
            return await self._fetch_and_cache(key_id)
        async with self._limiter.slot(key_id):
            shared.started = True
            return await self._fetch_and_cache(key_id)

    async def _fetch_and_cache(self, key_id: str) -> ResolvedKey:
        try:
            _, owner, pem = await self._fetch(key_id)
        except KeyUnavailable:
            await self._cache.delete(key_id)
            raise
        except Exception as error:  # a network or parse failure of the caller's fetcher
            await self._cache.delete(key_id)
            raise KeyUnavailable(f"fetching key {key_id} failed: {error!r}") from error
        try:
            public_key = load_public_key_pem(pem)
        except KeyFormatError as error:
            await self._cache.delete(key_id)
            raise KeyUnavailable(f"key {key_id}: {error}") from None
        key = ResolvedKey(key_id=key_id, owner=owner, public_key=public_key)
        await self._cache.put(key)
        return key


async def verify_with_key_refresh(
    key_id: str,
    check: Callable[[ResolvedKey], bool],
    resolve: Callable[[str], Awaitable[ResolvedKey | None]],
    refresh: Callable[[str], Awaitable[ResolvedKey | None]] | None = None,
    *,
    known: ResolvedKey | None = None,
    refresh_resolved: bool = True,
) -> ResolvedKey | None:
    """Run `check` with the key; if it fails, refresh the key once and retry.

    The key is `known` when the caller holds it already (from a cache), else whatever
    `resolve` returns. A failing `known` key is refreshed; a resolved one only with
    `refresh_resolved` (say False when resolving fetched it: it is as fresh as it gets,
    and one verification then costs at most one fetch). Returns the key that verified,
    or None when none did (a failed refresh counts as "did not verify"). Raises
    `KeyUnavailable` when the key cannot be resolved.
    """
    key = known if known is not None else await resolve(key_id)
    if key is None:
        raise KeyUnavailable(f"unknown key {key_id}")
    if check(key):
        return key
    if refresh is None or (known is None and not refresh_resolved):
        return None
    try:
        fresh = await refresh(key_id)
    except KeyUnavailable:
        return None
    if fresh is not None and fresh != key and check(fresh):
        return fresh
    return None
