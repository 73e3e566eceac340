"""The storage interface every back end implements, and content-addressed keys."""

from __future__ import annotations

import hashlib
import re
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator
from pathlib import Path

import aiofiles

CHUNK_SIZE = 256 * 1024
IMMUTABLE_MAX_AGE = 31536000  # one year, the longest value caches honour

_KEY_PATTERN = re.compile(r"^([0-9a-f]{2})/([0-9a-f]{2})/([0-9a-f]{64})\.([a-z0-9]{1,8})$")
_EXTENSION_PATTERN = re.compile(r"^[a-z0-9]{1,8}$")

Source = Path | bytes


class MediaNotFound(KeyError):
    """No file is stored under this key."""


class ContentMismatch(ValueError):
    """The bytes given to ``put`` do not hash to the key they were meant for."""


async def iter_chunks(source: Source) -> AsyncIterator[bytes]:
    """The bytes of ``source`` in chunks of at most ``CHUNK_SIZE``."""
    if isinstance(source, bytes):
        for start in range(0, len(source), CHUNK_SIZE):
            yield source[start : start + CHUNK_SIZE]
        return
    async with aiofiles.open(source, "rb") as file:
        while chunk := await file.read(CHUNK_SIZE):
            yield chunk


async def sha256_of(source: Source) -> str:
    """Hex SHA-256 of bytes, or of a file read in chunks."""
    if isinstance(source, bytes):
        return hashlib.sha256(source).hexdigest()
    digest = hashlib.sha256()
    async for chunk in iter_chunks(source):
        digest.update(chunk)
    return digest.hexdigest()


async def content_key(source: Source, extension: str) -> str:
    """The key a file is stored under: ``ab/cd/<sha256 hex>.<extension>``."""
    extension = extension.lower().lstrip(".")
    if not _EXTENSION_PATTERN.match(extension):
        raise ValueError(f"file extension must be 1-8 lowercase letters or digits, not {extension!r}")
    digest = await sha256_of(source)
    return f"{digest[:2]}/{digest[2:4]}/{digest}.{extension}"


def digest_of_key(key: str) -> str:
    """The SHA-256 a key promises; raises ``ValueError`` on anything that is not a content key."""
    match = _KEY_PATTERN.match(key)
    if not match or match.group(3)[:2] != match.group(1) or match.group(3)[2:4] != match.group(2):
        raise ValueError(f"not a content-addressed media key: {key!r}")
    return match.group(3)


def immutable_cache_headers(key: str) -> dict[str, str]:
    """Response headers for a content-addressed file: cache forever, ETag is the hash."""
    return {
        "Cache-Control": f"public, max-age={IMMUTABLE_MAX_AGE}, immutable",
        "ETag": f'"{digest_of_key(key)}"',
    }


class MediaStore(ABC):
    """A place to keep media files under content-addressed keys.

    ``put`` refuses bytes that do not match the key's hash, so nothing wrong is ever stored
    under a real key. ``open`` raises ``MediaNotFound`` before any byte is produced, so a
    route can answer 404 cleanly::

        async for chunk in await store.open(key):
            ...
    """

    @abstractmethod
    async def put(self, key: str, source: Source, mime: str) -> None: ...

    @abstractmethod
    async def open(self, key: str) -> AsyncIterator[bytes]: ...

    @abstractmethod
    async def delete(self, key: str) -> None:
        """Remove the file; deleting a missing key is not an error."""

    @abstractmethod
    async def exists(self, key: str) -> bool: ...

    @abstractmethod
    async def size(self, key: str) -> int: ...

    @abstractmethod
    def url_for(self, key: str) -> str | None:
        """Public URL of the file, or ``None`` when the app serves it itself."""

    async def aclose(self) -> None:
        """Release connections; the store is not used afterwards."""
