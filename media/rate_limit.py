"""Per-client token buckets that slow anonymous bulk downloading of media.

Each client gets a bucket of ``burst`` tokens refilled at ``per_minute`` tokens a minute;
a request takes one token or is refused with the seconds to wait. An IPv6 client is
keyed by its /64 (one subscriber line usually owns a whole /64, so rotating addresses
inside it buys nothing); an IPv4-mapped IPv6 address counts as its IPv4 address.

Memory is bounded: at most ``max_clients`` buckets are kept, least recently used first
out. Dropping a bucket only forgets tokens a client already spent, the worst case being
a fresh burst for a client that has been quiet the longest.

In-process and per worker: several web processes each keep their own buckets, which
multiplies the allowance by the number of processes but needs no shared store.
"""

from __future__ import annotations

import ipaddress
import math
import time
from collections import OrderedDict
from collections.abc import Callable


def client_key(remote_addr: str | None) -> str:
    """The bucket a client address belongs to: the IPv4 address or the IPv6 /64."""
    if not remote_addr:
        return "unknown"
    try:
        address = ipaddress.ip_address(remote_addr.strip("[]").split("%", 1)[0])
    except ValueError:
        return remote_addr
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)


class TokenBuckets:
    """A bounded set of token buckets, one per client key."""

    def __init__(
        self,
        per_minute: int,
        burst: int,
        max_clients: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if per_minute < 1 or burst < 1 or max_clients < 1:
            raise ValueError("per_minute, burst and max_clients must all be at least 1")
        self.rate_per_second = per_minute / 60.0
        self.burst = float(burst)
        self.max_clients = max_clients
        self._clock = clock
        # key -> (tokens left, time they were counted)
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._buckets)

    def take(self, key: str) -> float:
        """Take one token for ``key``: 0.0 when allowed, else the seconds until one is free."""
        now = self._clock()
        tokens, counted_at = self._buckets.pop(key, (self.burst, now))
        tokens = min(self.burst, tokens + (now - counted_at) * self.rate_per_second)
        if tokens >= 1.0:
            tokens -= 1.0
            wait = 0.0
        else:
            wait = (1.0 - tokens) / self.rate_per_second
        self._buckets[key] = (tokens, now)
        while len(self._buckets) > self.max_clients:
            self._buckets.popitem(last=False)
        return wait


def retry_after_seconds(wait: float) -> int:
    """A ``Retry-After`` value (whole seconds, at least 1) for a wait in seconds."""
    return max(1, math.ceil(wait))
