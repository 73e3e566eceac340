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
Only the WebP display image and thumbnail are made (nothing serves a fallback of remote
media), and the budget counts the bytes of the distinct files stored.

Each file is fetched once, however many ask at the same time (``media.remote_lifecycle``
declares the states): in one process every viewer and the background job share one
fetch task per attachment; across processes the row's claim (``claimed_until``) says who
fetches, and the others read the row until it is settled. Nobody waits longer than the
fetch timeout (``federation.request_timeout_seconds``): a slow or silent remote server
costs each viewer at most that, then a 404 naming the reason.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta

from tortoise.expressions import Q

from federation.errors import FetchError, HostRefused
from federation.http_client import SafeHttpClient
from fediserver.clock import utcnow
from fediserver.models import MediaAttachment, RemoteMediaState
from fediserver.models.queue import claim_due
from media.derivatives import DerivativeSet, FocalPoint
from media.intake import IntakeLimits, MediaRejected
from media.kinds import is_audio_video
from media.labels import marks_json
from media.pipeline import CheckedImage, MediaPipeline
from media.remote_lifecycle import RemoteEvent, moved, needs_fetch
from media.storing import StoredFiles, scratch_folder

log = logging.getLogger(__name__)

CACHED, EVICTED, PROXIED, REFUSED, FAILED = (
    RemoteMediaState.CACHED, RemoteMediaState.EVICTED, RemoteMediaState.PROXIED,
    RemoteMediaState.REFUSED, RemoteMediaState.FAILED,
)
# The file's server is one whose media this instance rejects (a domain block): never
# fetched, never served; clients are given a link to the original instead.
LINKED = RemoteMediaState.LINKED
NOT_SERVED = frozenset({REFUSED, LINKED})
_KEY_FIELDS = ("display_key", "display_fallback_key", "thumbnail_key")
# The row fields a fetch settles, copied to every waiting viewer's copy of the row.
_SETTLED_FIELDS = (
    "remote_state", "refused_reason", "ai_label", "ai_marks", "width", "height", "blurhash", "mime",
    "file_size", "cached_at", "last_accessed_at", *_KEY_FIELDS,
)
POLL_SECONDS = 0.05  # how often a viewer waiting on another process's fetch reads the row


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
        # The longest anyone waits for one file: the media client's own fetch timeout.
        self.fetch_timeout = http.settings.timeout_seconds
        # Fetches under way in this process, by attachment id: every viewer awaits the same task.
        self._fetches: dict[int, _Flight] = {}
        # Attachments whose claim this process holds and is fetching under (not waiting on).
        self._fetching_here: set[int] = set()
        self._proxied: dict[int, _Flight] = {}
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
            await self._set(attachment, remote_state=moved(attachment.remote_state, RemoteEvent.FAILED),
                            refused_reason=reason)
            raise RemoteMediaUnavailable(reason)
        async with scratch_folder(self.pipeline.work_dir) as folder:
            try:
                response = await self.http.get(attachment.remote_url, accept="image/*")
                if not response.ok:
                    raise FetchError(f"{attachment.remote_url} answered {response.status}")
                checked = await self.pipeline.check(
                    _single_chunk(response.body), folder, self.limits, self.rules.protection.ai_generated_remote
                )
                made = await self.pipeline.maker.make(
                    checked.image.path, folder / "out", focal_point=_focal(attachment), fallbacks=False
                )
            except MediaRejected as refusal:
                event = RemoteEvent.REFUSED if refusal.code == "ai-generated" else RemoteEvent.FAILED
                await self._set(attachment, remote_state=moved(attachment.remote_state, event),
                                refused_reason=refusal.message)
                raise RemoteMediaUnavailable(refusal.message) from None
            except HostRefused as error:
                await self._set(attachment, remote_state=moved(attachment.remote_state, RemoteEvent.LINKED),
                                refused_reason=str(error))
                raise RemoteMediaUnavailable(str(error)) from None
            except FetchError as error:
                await self._set(attachment, remote_state=moved(attachment.remote_state, RemoteEvent.FAILED),
                                refused_reason=str(error))
                raise RemoteMediaUnavailable(str(error)) from None
            await self._set(
                attachment,
                ai_label=checked.ai_label,
                content_credentials=checked.credentials_record,
                ai_marks=marks_json(checked.decision.marks),
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
            display, thumbnail = made.display, made.thumbnail
            stored = StoredFiles(self.store)
            try:
                display_key = await stored.key_of(display.path, display.extension)
                thumbnail_key = await stored.key_of(thumbnail.path, thumbnail.extension)
                # What is stored: a thumbnail the same as the display image is one file.
                sizes = {display_key: display.byte_size, thumbnail_key: thumbnail.byte_size}
                incoming = sum(sizes.values())
                await self.make_room(incoming)
                await stored.put(display.path, display.extension)
                await stored.put(thumbnail.path, thumbnail.extension)
                now = utcnow()
                await self._set(
                    attachment,
                    remote_state=moved(attachment.remote_state, RemoteEvent.STORED),
                    cached_at=now,
                    last_accessed_at=now,
                    file_size=incoming,
                    display_key=display_key,
                    display_fallback_key=None,
                    thumbnail_key=thumbnail_key,
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
            await self._set(attachment, remote_state=moved(attachment.remote_state, RemoteEvent.CHECKED))
        return attachment

    async def proxied(self, attachment: MediaAttachment, role: str) -> tuple[bytes, str]:
        """Proxy mode: the checked derivative for ``role`` ("display" or "thumbnail") and its type.
        Views at the same moment share one fetch."""
        if is_audio_video(attachment.mime):
            if role != "display":
                raise RemoteMediaUnavailable("audio and video have no thumbnail")
            return await self._shared(self._proxied, attachment, self._proxy_audio_video)
        if attachment.remote_state in NOT_SERVED:
            raise RemoteMediaUnavailable(attachment.refused_reason or "refused")
        files = await self._shared(self._proxied, attachment, self._proxy_image)
        return files[role]

    async def _proxy_image(self, attachment: MediaAttachment) -> dict[str, tuple[bytes, str]]:
        async with self._derivatives(attachment) as (_checked, made):
            if attachment.remote_state != PROXIED:
                await self._set(attachment, remote_state=moved(attachment.remote_state, RemoteEvent.CHECKED))
            return {role: (file.path.read_bytes(), file.mime)
                    for role, file in (("display", made.display), ("thumbnail", made.thumbnail))}

    async def _proxy_audio_video(self, attachment: MediaAttachment) -> tuple[bytes, str]:
        return await self.audio_video.proxied(attachment)

    async def cached_key(self, attachment: MediaAttachment, role: str) -> str:
        """Cache mode: the stored key for ``role``, fetching the file first when it is not
        cached (yet, or any more) — once, however many ask at the same time."""
        audio_video = is_audio_video(attachment.mime)
        if audio_video and role != "display":
            raise RemoteMediaUnavailable("audio and video have no thumbnail")
        if attachment.remote_state in NOT_SERVED:
            raise RemoteMediaUnavailable(attachment.refused_reason or "refused")
        if needs_fetch(attachment.remote_state, "cache") or not attachment.display_key:
            await self.fetch_once(attachment)
            if attachment.remote_state != CACHED or not attachment.display_key:
                raise RemoteMediaUnavailable(attachment.refused_reason or "the file could not be fetched")
        else:
            await self._set(attachment, last_accessed_at=utcnow())
        return attachment.display_key if role == "display" else attachment.thumbnail_key

    # --- one fetch per file ---------------------------------------------------------

    async def fetch_once(self, attachment: MediaAttachment, *, claimed: bool = False) -> MediaAttachment:
        """Fetch and cache ``attachment`` unless someone already is, then wait for that result.

        ``claimed``: the caller (the background job) already holds the row's claim.
        ``attachment`` is updated with the settled row. Raises ``RemoteMediaUnavailable``
        when the file is refused, cannot be fetched, or is not settled within the fetch timeout.
        """
        if claimed:
            waiting = self._fetches.get(attachment.id)
            if waiting is not None and attachment.id not in self._fetching_here:
                # Viewers came between the job's claim and this call: their flight waits
                # for the claim the job holds. The job fetches in a flight of its own, and
                # they see the claim released when it is done.
                del self._fetches[attachment.id]
            return await self._shared(self._fetches, attachment, self._fetch_claimed)
        return await self._shared(self._fetches, attachment, self._claim_and_fetch)

    async def _shared(self, running: dict[int, _Flight], attachment: MediaAttachment,
                      work: Callable[[MediaAttachment], Awaitable]):
        """Run ``work`` once per attachment in this process; every caller awaits the same flight.

        The work runs as a task of its own, so a viewer who goes away does not cancel it for
        the others. The flight ends for its waiters when the work does or when the fetch
        timeout has passed since it began, whichever comes first (one timer for all of
        them); work still decoding then finishes for the next viewer."""
        flight = running.get(attachment.id)
        if flight is None:
            flight = _Flight(asyncio.create_task(work(attachment)), self.fetch_timeout)
            running[attachment.id] = flight
            flight.task.add_done_callback(lambda done, key=attachment.id: _forget(running, key, flight))
        try:
            result = await asyncio.shield(flight.outcome)
        except TimeoutError:
            raise RemoteMediaUnavailable(
                f"{attachment.remote_url} was not fetched within {self.fetch_timeout:g} s"
            ) from None
        if isinstance(result, MediaAttachment) and result is not attachment:
            _copy_settled(result, attachment)
        return result

    def _decode_allowance(self) -> float:
        """Time a claim covers after the fetch, to check and re-encode the file (one second
        per ten megapixels allowed, at least one)."""
        return max(1.0, self.rules.limits.max_pixels / 10_000_000)

    async def _claim_and_fetch(self, attachment: MediaAttachment) -> MediaAttachment:
        """Fetch under the row's claim, or wait for whoever holds it (another process, the job)."""
        row = await MediaAttachment.get(id=attachment.id)
        if not needs_fetch(row.remote_state, "cache") and row.display_key:
            return row
        lease = self.fetch_timeout + self._decode_allowance()
        now = utcnow()
        free = Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)
        won = await MediaAttachment.filter(free, id=row.id).update(claimed_until=now + timedelta(seconds=lease))
        if won:
            return await self._fetch_claimed(row)
        return await self._wait_for_other(row)

    async def _fetch_claimed(self, row: MediaAttachment) -> MediaAttachment:
        self._fetching_here.add(row.id)
        try:
            await self.fetch_and_cache(row)
        except RemoteMediaUnavailable:
            pass  # the row says why
        finally:
            self._fetching_here.discard(row.id)
            await MediaAttachment.filter(id=row.id).update(claimed_until=None)
            row.claimed_until = None
        return row

    async def _wait_for_other(self, row: MediaAttachment) -> MediaAttachment:
        """Read the row until its claim is released or lapses; the caller's timeout bounds it."""
        while True:
            await asyncio.sleep(POLL_SECONDS)
            current = await MediaAttachment.get(id=row.id)
            if current.claimed_until is None or current.claimed_until < utcnow():
                return current

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
        await self._set(row, remote_state=moved(row.remote_state, RemoteEvent.EVICTED), cached_at=None,
                        file_size=None, **dict.fromkeys(_KEY_FIELDS))
        return size

    @staticmethod
    async def _set(attachment: MediaAttachment, **changes) -> None:
        for name, value in changes.items():
            setattr(attachment, name, value)
        await MediaAttachment.filter(id=attachment.id).update(**changes)


class _Flight:
    """One fetch under way and the outcome its waiters await: the work's result, or
    ``TimeoutError`` once ``timeout`` seconds have passed."""

    def __init__(self, task: asyncio.Task, timeout: float) -> None:
        loop = asyncio.get_running_loop()
        self.task = task
        self.outcome: asyncio.Future = loop.create_future()
        self._timer = loop.call_later(timeout, self._expire)
        task.add_done_callback(self._settle)

    def _expire(self) -> None:
        if not self.outcome.done():
            self.outcome.set_exception(TimeoutError())

    def _settle(self, task: asyncio.Task) -> None:
        self._timer.cancel()
        if self.outcome.done():
            return
        if task.cancelled():
            self.outcome.set_exception(RemoteMediaUnavailable("the fetch was stopped"))
        elif task.exception() is not None:
            self.outcome.set_exception(task.exception())
        else:
            self.outcome.set_result(task.result())


def _forget(running: dict[int, _Flight], key: int, flight: _Flight) -> None:
    if running.get(key) is flight:
        del running[key]
    if not flight.task.cancelled():
        flight.task.exception()  # retrieved here: every waiter may have gone
    if flight.outcome.done() and not flight.outcome.cancelled():
        flight.outcome.exception()


def _copy_settled(source: MediaAttachment, target: MediaAttachment) -> None:
    for name in _SETTLED_FIELDS:
        setattr(target, name, getattr(source, name))


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
                    # Viewers arriving meanwhile in this process share this fetch.
                    await self.remote.fetch_once(row, claimed=True)
                    if row.remote_state != CACHED:
                        log.info("remote media %s not shown: %s", row.remote_url, row.refused_reason)
                else:
                    await self.remote.check_only(row)
                    await MediaAttachment.filter(id=row.id).update(claimed_until=None)
            except RemoteMediaUnavailable as reason:
                log.info("remote media %s not shown: %s", row.remote_url, reason)
        return len(rows)


def remote_media_jobs(services) -> list[RemoteMediaJob]:
    """The job factory registered with the shell: ``Services`` -> the remote media fetcher."""
    return [RemoteMediaJob(services.remote_media)]

