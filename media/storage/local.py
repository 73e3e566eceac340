"""Media files in a folder on local disk.

Every write goes to a temporary file in the same folder, is flushed to disk, checked
against the key's hash and only then renamed into place, so a crash or bad input never
leaves a half-written or wrong file under a real key.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import time
from collections.abc import AsyncIterator
from pathlib import Path

import aiofiles
import aiofiles.os

from media.storage.base import (
    CHUNK_SIZE,
    ContentMismatch,
    MediaNotFound,
    MediaStore,
    Source,
    digest_of_key,
    iter_chunks,
)

_TEMP_SUFFIX = ".partial"


class LocalStore(MediaStore):
    """Files under ``root``; ``public_base_url`` if a web server or CDN serves that folder."""

    def __init__(self, root: Path, public_base_url: str | None = None) -> None:
        self.root = Path(root)
        self.public_base_url = public_base_url.rstrip("/") if public_base_url else None

    def _path(self, key: str) -> Path:
        digest_of_key(key)  # refuses anything that is not a content key, so no path tricks
        return self.root / key

    async def put(self, key: str, source: Source, mime: str) -> None:
        expected = digest_of_key(key)
        target = self._path(key)
        await aiofiles.os.makedirs(target.parent, exist_ok=True)
        temp = target.parent / f".{target.name}.{secrets.token_hex(8)}{_TEMP_SUFFIX}"
        digest = hashlib.sha256()
        try:
            async with aiofiles.open(temp, "wb") as out:
                async for chunk in iter_chunks(source):
                    digest.update(chunk)
                    await out.write(chunk)
                await out.flush()
                await aiofiles.os.wrap(os.fsync)(out.fileno())
            if digest.hexdigest() != expected:
                raise ContentMismatch(f"content hashes to {digest.hexdigest()}, not the key's {expected}")
            await aiofiles.os.replace(temp, target)
        except BaseException:
            await aiofiles.os.wrap(temp.unlink)(missing_ok=True)
            raise

    async def open(self, key: str) -> AsyncIterator[bytes]:
        path = self._path(key)
        try:
            file = await aiofiles.open(path, "rb")
        except FileNotFoundError:
            raise MediaNotFound(key) from None
        return _read_and_close(file)

    async def delete(self, key: str) -> None:
        try:
            await aiofiles.os.remove(self._path(key))
        except FileNotFoundError:
            pass

    async def exists(self, key: str) -> bool:
        return await aiofiles.os.path.isfile(self._path(key))

    async def size(self, key: str) -> int:
        try:
            return (await aiofiles.os.stat(self._path(key))).st_size
        except FileNotFoundError:
            raise MediaNotFound(key) from None

    async def remove_partial_files(self, older_than_seconds: float = 3600) -> int:
        """Delete temporary files a crashed write left behind; returns how many.

        Only files older than ``older_than_seconds`` go, so writes still running in other
        processes sharing the folder are left alone.
        """
        return await aiofiles.os.wrap(self._remove_partial_files)(older_than_seconds)

    def _remove_partial_files(self, older_than_seconds: float) -> int:
        cutoff = time.time() - older_than_seconds
        removed = 0
        for path in self.root.glob(f"*/*/.*{_TEMP_SUFFIX}"):
            try:
                if path.stat().st_mtime <= cutoff:
                    path.unlink()
                    removed += 1
            except FileNotFoundError:
                pass  # finished or removed meanwhile
        return removed

    def url_for(self, key: str) -> str | None:
        digest_of_key(key)  # a content key or nothing, as for a path
        return f"{self.public_base_url}/{key}" if self.public_base_url else None


async def _read_and_close(file) -> AsyncIterator[bytes]:
    try:
        while chunk := await file.read(CHUNK_SIZE):
            yield chunk
    finally:
        await file.close()
