"""Limits on fetches a remote party can cause: so many at once overall, fewer per host.

An unauthenticated request can name URLs for the server to fetch (a signature's key id
above all). `FetchLimiter.slot(url)` waits for a free slot under both limits, the host's
first and then the global one, so a host at its limit never holds a global slot while
it waits. A host's counter exists only while someone uses or waits for it, so a flood
of distinct hosts leaves nothing behind.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from urllib.parse import urlsplit

__all__ = ["FetchLimiter", "host_of"]


def host_of(url: str) -> str:
    """The ``host[:port]`` a fetch of ``url`` goes to, lower-cased."""
    return urlsplit(url).netloc.rpartition("@")[2].lower()


class _Host:
    __slots__ = ("semaphore", "users")

    def __init__(self, limit: int) -> None:
        self.semaphore = asyncio.Semaphore(limit)
        self.users = 0  # holding or waiting for a slot


class FetchLimiter:
    def __init__(self, *, concurrency: int, per_host_concurrency: int) -> None:
        if concurrency < 1 or per_host_concurrency < 1:
            raise ValueError("fetch limits must be at least 1")
        self.concurrency = concurrency
        self.per_host_concurrency = per_host_concurrency
        self._global = asyncio.Semaphore(concurrency)
        self._hosts: dict[str, _Host] = {}
        self._running = 0

    @property
    def running(self) -> int:
        """Fetches holding a slot now."""
        return self._running

    @asynccontextmanager
    async def slot(self, url: str) -> AsyncIterator[None]:
        """Hold one slot for a fetch of ``url`` while the block runs."""
        name = host_of(url)
        host = self._hosts.get(name)
        if host is None:
            host = self._hosts[name] = _Host(self.per_host_concurrency)
        host.users += 1
        try:
            async with host.semaphore, self._global:
                self._running += 1
                try:
                    yield
                finally:
                    self._running -= 1
        finally:
            host.users -= 1
            if host.users == 0:
                del self._hosts[name]
