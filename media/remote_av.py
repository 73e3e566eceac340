"""Remote audio and video: fetched, checked and relayed as they are, under the image rules.

The same rules as remote images wherever they apply: the file is fetched through the
media room's ``SafeHttpClient`` (capped at ``remote_max_bytes``), must really be one of
the formats in ``media.kinds.AUDIO_VIDEO_TYPES`` (its bytes are sniffed; the declared
type is not trusted), is searched for AI-provenance marks (C2PA manifests, IPTC digital
source types) and judged under ``ai_generated_remote`` (refused files are never served;
"label" records the mark), and then cached within ``remote_cache_bytes`` (least recently
served evicted first) or, with ``remote_mode = "proxy"``, fetched and checked per view.
Nothing is transcoded. An MP4 with no sound track is a looping silent video, which the
client API calls ``gifv``, as Mastodon does.
"""

from __future__ import annotations

import io
import struct

from federation.errors import FetchError, HostRefused
from fediserver.models import MediaAttachment
from fediserver.clock import utcnow
from media.kinds import AUDIO, AUDIO_VIDEO_TYPES, SILENT_VIDEO_MIME, kind_of
from media.labels import marks_json
from media.provenance import decide, detect_in
from media.remote import CACHED, FAILED, LINKED, NOT_SERVED, PROXIED, REFUSED, RemoteMedia, RemoteMediaUnavailable
from media.storing import StoredFiles, scratch_folder

ACCEPT = "video/*, audio/*;q=0.9"
_MAX_BOXES = 4096


class NotAudioVideo(ValueError):
    """The bytes are no audio or video format this server relays."""


def sniff(data: bytes, declared_kind: str) -> str:
    """The media type of an audio or video file, judged by its bytes."""
    head = data[:64]
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in (b"M4A ", b"M4B ", b"M4P "):
            return "audio/mp4"
        handlers = mp4_handlers(data)
        if brand == b"qt  ":
            return "video/quicktime"
        return "video/mp4" if b"vide" in handlers or not handlers else "audio/mp4"
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "audio/webm" if declared_kind == AUDIO else "video/webm"
    if head.startswith(b"OggS"):
        return "video/ogg" if b"\x80theora" in data[:4096] else "audio/ogg"
    if head.startswith(b"fLaC"):
        return "audio/flac"
    if head.startswith(b"RIFF") and head[8:12] == b"WAVE":
        return "audio/wav"
    if head.startswith(b"ID3") or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0):
        return "audio/aac" if len(head) > 1 and head[1] & 0xF6 == 0xF0 else "audio/mpeg"
    raise NotAudioVideo("the file is no audio or video format relayed here")


def mp4_handlers(data: bytes) -> set[bytes]:
    """The handler types (``vide``, ``soun``, ...) of an MP4's tracks, read from its boxes."""
    found: set[bytes] = set()
    seen = 0

    def walk(start: int, end: int, path: tuple[bytes, ...]) -> None:
        nonlocal seen
        offset = start
        while offset + 8 <= end and seen < _MAX_BOXES:
            seen += 1
            size, kind = struct.unpack(">I4s", data[offset:offset + 8])
            header = 8
            if size == 1 and offset + 16 <= end:
                size, header = struct.unpack(">Q", data[offset + 8:offset + 16])[0], 16
            elif size == 0:
                size = end - offset
            if size < header or offset + size > end:
                return
            if kind in (b"moov", b"trak", b"mdia"):
                walk(offset + header, offset + size, (*path, kind))
            elif kind == b"hdlr" and path[-1:] == (b"mdia",) and size >= header + 12:
                found.add(data[offset + header + 8:offset + header + 12])
            offset += size

    walk(0, len(data), ())
    return found


class RemoteAudioVideo:
    """The audio/video side of ``media.remote.RemoteMedia`` (which hands such rows here)."""

    def __init__(self, remote: RemoteMedia) -> None:
        self.remote = remote

    async def _checked(self, attachment: MediaAttachment) -> tuple[bytes, str]:
        """Fetch and check one file; records the verdict on the row; (bytes, media type)."""
        remote = self.remote
        declared_kind = kind_of(attachment.mime)
        try:
            response = await remote.http.get(attachment.remote_url, accept=ACCEPT)
            if not response.ok:
                raise FetchError(f"{attachment.remote_url} answered {response.status}")
            mime = sniff(response.body, declared_kind)
        except HostRefused as error:
            await remote._set(attachment, remote_state=LINKED, refused_reason=str(error))
            raise RemoteMediaUnavailable(str(error)) from None
        except (FetchError, NotAudioVideo) as error:
            await remote._set(attachment, remote_state=FAILED, refused_reason=str(error))
            raise RemoteMediaUnavailable(str(error)) from None
        marks = detect_in(io.BytesIO(response.body), mime.split("/")[1].upper())
        decision = decide(marks, remote.rules.protection.ai_generated_remote)
        if decision.action == "reject":
            await remote._set(attachment, remote_state=REFUSED, refused_reason=decision.message)
            raise RemoteMediaUnavailable(decision.message)
        if mime == "video/mp4" and b"soun" not in mp4_handlers(response.body):
            mime = SILENT_VIDEO_MIME
        await remote._set(
            attachment, mime=mime, refused_reason=None, file_size=len(response.body),
            ai_label=decision.message if decision.action == "label" else None, ai_marks=marks_json(marks),
        )
        return response.body, mime

    async def fetch_and_cache(self, attachment: MediaAttachment) -> MediaAttachment:
        body, mime = await self._checked(attachment)
        await self.remote.make_room(len(body))
        extension = AUDIO_VIDEO_TYPES[mime.split(";")[0]]
        stored = StoredFiles(self.remote.store)
        async with scratch_folder(self.remote.pipeline.work_dir) as folder:
            path = folder / f"file.{extension}"
            path.write_bytes(body)
            try:
                key = await stored.put(path, extension)
                now = utcnow()
                await self.remote._set(attachment, remote_state=CACHED, cached_at=now, last_accessed_at=now,
                                       display_key=key, display_fallback_key=None, thumbnail_key=None)
            except BaseException:
                await stored.rollback()
                raise
        return attachment

    async def check_only(self, attachment: MediaAttachment) -> MediaAttachment:
        await self._checked(attachment)
        await self.remote._set(attachment, remote_state=PROXIED)
        return attachment

    async def proxied(self, attachment: MediaAttachment) -> tuple[bytes, str]:
        if attachment.remote_state in NOT_SERVED:
            raise RemoteMediaUnavailable(attachment.refused_reason or "refused")
        body, mime = await self._checked(attachment)
        if attachment.remote_state != PROXIED:
            await self.remote._set(attachment, remote_state=PROXIED)
        return body, mime.split(";")[0]
