"""Putting a set of files into the ``MediaStore`` all or nothing, and scratch folders.

``StoredFiles`` puts files under their content keys and remembers which keys it created;
``rollback`` deletes exactly those, so a refusal or an error after some files were
stored leaves no orphans, while a key another attachment already had is never touched.
``scratch_folder`` is a private temporary folder removed on the way out, whatever happens.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from media.kinds import MIME_BY_AUDIO_VIDEO_EXTENSION
from media.storage import MediaStore, content_key

MIME_BY_EXTENSION = {
    "webp": "image/webp",
    "jpg": "image/jpeg",
    "png": "image/png",
    "gif": "image/gif",
    "avif": "image/avif",
} | MIME_BY_AUDIO_VIDEO_EXTENSION
EXTENSION_BY_FORMAT = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp", "GIF": "gif", "AVIF": "avif"}


def mime_of_key(key: str) -> str:
    return MIME_BY_EXTENSION.get(key.rsplit(".", 1)[-1], "application/octet-stream")


class StoredFiles:
    def __init__(self, store: MediaStore) -> None:
        self.store = store
        self.created: list[str] = []

    @staticmethod
    async def key_of(path: Path, extension: str) -> str:
        """The key ``put`` would store the file under."""
        return await content_key(path, extension)

    async def put(self, path: Path, extension: str) -> str:
        """Store the file at ``path``; returns its key (already stored files are not rewritten)."""
        key = await content_key(path, extension)
        if not await self.store.exists(key):
            await self.store.put(key, path, MIME_BY_EXTENSION.get(extension, "application/octet-stream"))
            self.created.append(key)
        return key

    async def rollback(self) -> None:
        for key in reversed(self.created):
            await self.store.delete(key)
        self.created.clear()


@asynccontextmanager
async def scratch_folder(parent: Path) -> AsyncIterator[Path]:
    parent.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="media-", dir=parent))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)
