"""Media from other servers: fetched safely, checked under the remote policy, cached or proxied.

Audio and video rows go to ``media.remote_av`` (relayed as they are, under the same
budget, mode and provenance rules). A remote image row (``remote_url`` set,
``remote_state`` None) is fetched through a
``SafeHttpClient`` capped at ``remote_max_bytes``, then goes through the same intake and
provenance check as an upload, under the instance's ``ai_generated_remote`` policy:
"reject" marks the row ``refused`` with the mark named (it is never served), "label"
records ``ai_label``. Derivatives carry no rights metadata of ours (the work is not
ours) and no metadata of the original's.

``remote_mode = "cache"``: the derivatives are stored and served from the store; the
cache stays within ``remote_cache_bytes`` by evicting the least recently served files
first (rows stay, files go, they are fetched again when next asked for).
``remote_mode = "proxy"``: nothing is stored; each view fetches, checks and re-encodes.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta

from tortoise.expressions import Q

from federation.errors import FetchError, HostRefused
from federation.http_client import SafeHttpClient
from fediserver.clock import utcnow
from fediserver.models import MediaAttachment
from fediserver.models.queue import claim_due
from media.derivatives import DerivativeSet, FocalPoint
from media.intake import IntakeLimits, MediaRejected
from media.kinds import is_audio_video
from media.pipeline import CheckedImage, MediaPipeline
from media.storing import StoredFiles, scratch_folder

log = logging.getLogger(__name__)

CACHED, EVICTED, PROXIED, REFUSED, FAILED = "cached", "evicted", "proxied", "refused", "failed"
# The file's server is one whose media this instance rejects (a domain block): never
# fetched, never served; clients are given a link to the original instead.
LINKED = "linked"
NOT_SERVED = frozenset({REFUSED, LINKED})
_KEY_FIELDS = ("display_key", "display_fallback_key", "thumbnail_key")


class RemoteMediaUnavailable(Exception):
    """A remote file cannot be shown: refused by the policy, or not fetchable now."""


@dataclass(frozen=True)
class PruneResult:
    files_removed: int
    bytes_freed: int
    cached_bytes_left: int


async def _single_chunk(body: bytes) -> AsyncIterator[bytes]:
    yield body


class RemoteMedia:
    def __init__(self, pipeline: MediaPipeline, http: SafeHttpClient) -> None:
        self.pipeline = pipeline
        self.rules = pipeline.rules
        self.store = pipeline.store
        self.http = http
        limits = self.rules.limits
        self.limits = IntakeLimits(self.rules.remote_max_bytes, limits.max_pixels, limits.max_frames)
        from media.remote_av import RemoteAudioVideo  # it builds on this module

        # Audio and video rows are handed to it: relayed as they are, under the same rules.
        self.audio_video = RemoteAudioVideo(self)

    @asynccontextmanager
    async def _derivatives(self, attachment: MediaAttachment) -> AsyncIterator[tuple[CheckedImage, DerivativeSet]]:
        """Fetch, check and re-encode one remote file in a scratch folder, updating the row's verdict."""
        declared = (attachment.mime or "").split(";")[0].strip().lower()
        if not declared.startswith("image/"):
            reason = f"only images are shown here, and this is {declared or 'of an undeclared type'}"
            await self._set(attachment, remote_state=FAILED, refused_reason=reason)
            raise RemoteMediaUnavailable(reason)
        async with scratch_folder(self.pipeline.work_dir) as folder:
            try:
                response = await self.http.get(attachment.remote_url, accept="image/*")
                if not response.ok:
                    raise FetchError(f"{attachment.remote_url} answered {response.status}")
                checked = await self.pipeline.check(
                    _single_chunk(response.body), folder, self.limits, self.rules.protection.ai_generated_remote
                )
                made = await self.pipeline.maker.make(checked.image.path, folder / "out", focal_point=_focal(attachment))
            except MediaRejected as refusal:
                state = REFUSED if refusal.code == "ai-generated" else FAILED
                await self._set(attachment, remote_state=state, refused_reason=refusal.message)
                raise RemoteMediaUnavailable(refusal.message) from None
            except HostRefused as error:
                await self._set(attachment, remote_state=LINKED, refused_reason=str(error))
                raise RemoteMediaUnavailable(str(error)) from None
            except FetchError as error:
                await self._set(attachment, remote_state=FAILED, refused_reason=str(error))
                raise RemoteMediaUnavailable(str(error)) from None
            await self._set(
                attachment,
                ai_label=checked.ai_label,
                refused_reason=None,
                width=made.width,
                height=made.height,
                blurhash=attachment.blurhash or made.blurhash,
            )
            yield checked, made

    async def fetch_and_cache(self, attachment: MediaAttachment) -> MediaAttachment:
        """Fetch, check and store the derivatives (evicting older files to stay in budget)."""
        if is_audio_video(attachment.mime):
            return await self.audio_video.fetch_and_cache(attachment)
        async with self._derivatives(attachment) as (_checked, made):
            files = (made.display, made.display_fallback, made.thumbnail)
            incoming = sum(file.byte_size for file in files)
            await self.make_room(incoming)
            stored = StoredFiles(self.store)
            try:
                keys = [await stored.put(file.path, file.extension) for file in files]
                now = utcnow()
                await self._set(
                    attachment,
                    remote_state=CACHED,
                    cached_at=now,
                    last_accessed_at=now,
                    file_size=incoming,
                    **dict(zip(_KEY_FIELDS, keys)),
                )
            except BaseException:
                await stored.rollback()
                raise
        return attachment

    async def check_only(self, attachment: MediaAttachment) -> MediaAttachment:
        """Proxy mode's background step: record the verdict and size, store nothing."""
        if is_audio_video(attachment.mime):
            return await self.audio_video.check_only(attachment)
        async with self._derivatives(attachment):
            await self._set(attachment, remote_state=PROXIED)
        return attachment

    async def proxied(self, attachment: MediaAttachment, role: str) -> tuple[bytes, str]:
        """Proxy mode: the checked derivative for ``role`` ("display" or "thumbnail") and its type."""
        if is_audio_video(attachment.mime):
            if role != "display":
                raise RemoteMediaUnavailable("audio and video have no thumbnail")
            return await self.audio_video.proxied(attachment)
        if attachment.remote_state in NOT_SERVED:
            raise RemoteMediaUnavailable(attachment.refused_reason or "refused")
        async with self._derivatives(attachment) as (_checked, made):
            file = made.display if role == "display" else made.thumbnail
            if attachment.remote_state != PROXIED:
                await self._set(attachment, remote_state=PROXIED)
            return file.path.read_bytes(), file.mime

    async def cached_key(self, attachment: MediaAttachment, role: str) -> str:
        """Cache mode: the stored key for ``role``, fetching the file again when it was evicted."""
        if is_audio_video(attachment.mime):
            if role != "display":
                raise RemoteMediaUnavailable("audio and video have no thumbnail")
            return await self.audio_video.cached_key(attachment)
        if attachment.remote_state in NOT_SERVED:
            raise RemoteMediaUnavailable(attachment.refused_reason or "refused")
        if attachment.remote_state != CACHED or not attachment.display_key:
            await self.fetch_and_cache(attachment)
        else:
            await self._set(attachment, last_accessed_at=utcnow())
        return attachment.display_key if role == "display" else attachment.thumbnail_key

    # --- the cache budget ---------------------------------------------------------

    async def cached_bytes(self) -> int:
        sizes = await MediaAttachment.filter(remote_state=CACHED).values_list("file_size", flat=True)
        return sum(size or 0 for size in sizes)

    async def make_room(self, incoming: int) -> PruneResult:
        """Evict least recently served files until ``incoming`` more bytes fit the budget."""
        return await self.prune(budget=max(0, self.rules.remote_cache_bytes - incoming))

    async def prune(
        self,
        *,
        budget: int | None = None,
        older_than: timedelta | None = None,
        progress: Callable[[MediaAttachment, int], None] | None = None,
    ) -> PruneResult:
        """Remove cached files not served for ``older_than`` and/or until at most ``budget`` bytes stay."""
        used = await self.cached_bytes()
        removed = freed = 0
        if older_than is not None:
            stale = await MediaAttachment.filter(remote_state=CACHED, last_accessed_at__lt=utcnow() - older_than)
            for row in stale:
                freed_now = await self._evict(row)
                used, removed, freed = used - freed_now, removed + 1, freed + freed_now
                if progress:
                    progress(row, freed_now)
        while budget is not None and used > budget:
            row = await MediaAttachment.filter(remote_state=CACHED).order_by("last_accessed_at", "id").first()
            if row is None:
                break
            freed_now = await self._evict(row)
            used, removed, freed = used - freed_now, removed + 1, freed + freed_now
            if progress:
                progress(row, freed_now)
        return PruneResult(removed, freed, max(0, used))

    async def evict(self, row: MediaAttachment) -> int:
        """Remove the cached files of ``row`` (kept when another row still uses them)."""
        return await self._evict(row)

    async def _evict(self, row: MediaAttachment) -> int:
        keys = {getattr(row, name) for name in _KEY_FIELDS} - {None}
        for key in keys:
            shared = Q(display_key=key) | Q(display_fallback_key=key) | Q(thumbnail_key=key) | Q(original_key=key)
            still_used = shared & ~Q(id=row.id) & (Q(remote_state__isnull=True) | ~Q(remote_state=EVICTED))
            if not await MediaAttachment.filter(still_used).exists():
                await self.store.delete(key)
        size = row.file_size or 0
        await self._set(row, remote_state=EVICTED, cached_at=None, file_size=None, **dict.fromkeys(_KEY_FIELDS))
        return size

    @staticmethod
    async def _set(attachment: MediaAttachment, **changes) -> None:
        for name, value in changes.items():
            setattr(attachment, name, value)
        await MediaAttachment.filter(id=attachment.id).update(**changes)


def _focal(attachment: MediaAttachment) -> FocalPoint:
    try:
        return FocalPoint(attachment.focal_x, attachment.focal_y)
    except ValueError:
        return FocalPoint()


class RemoteMediaJob:
    """Fetches remote attachments the inbox stored (``remote_state`` still None)."""

    name = "remote-media"

    def __init__(self, remote: RemoteMedia, batch: int = 4, lease_seconds: float = 300) -> None:
        self.remote = remote
        self.batch = batch
        self.lease_seconds = lease_seconds

    async def run_once(self) -> int:
        rows = await claim_due(
            MediaAttachment,
            due_field="created_at",
            batch=self.batch,
            lease_seconds=self.lease_seconds,
            remote_url__isnull=False,
            remote_state__isnull=True,
        )
        for row in rows:
            try:
                if self.remote.rules.remote_mode == "cache":
                    await self.remote.fetch_and_cache(row)
                else:
                    await self.remote.check_only(row)
            except RemoteMediaUnavailable as reason:
                log.info("remote media %s not shown: %s", row.remote_url, reason)
        return len(rows)


def remote_media_jobs(services) -> list[RemoteMediaJob]:
    """The job factory registered with the shell: ``Services`` -> the remote media fetcher."""
    return [RemoteMediaJob(services.remote_media)]

