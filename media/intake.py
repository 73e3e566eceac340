"""Receiving an image upload safely: stream it to disk, then prove it is a real image.

``receive`` streams an upload (async byte chunks or an existing file) into a
temporary file, enforcing a byte limit and hashing as it goes. ``inspect`` then
sniffs the real type from magic bytes, checks the declared type and file name
agree with it, checks dimensions and frame count from the header before any
decoding, and decodes every frame fully so truncated files are refused.
``intake`` does both and removes the temporary file on any refusal.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import struct
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import AsyncIterable

import aiofiles
from PIL import Image, features

from media.containers import MalformedContainer, declared_dimensions, walk_gif, walk_jpeg, walk_png, walk_riff

_COPY_BLOCK = 256 * 1024


class MediaRejected(Exception):
    """An upload was refused; ``message`` is written for the artist who sent it."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


@dataclass(frozen=True)
class IntakeLimits:
    max_bytes: int = 40 * 1024 * 1024
    max_pixels: int = 50_000_000
    max_frames: int = 300

    def __post_init__(self) -> None:
        for name in ("max_bytes", "max_pixels", "max_frames"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name}: must be at least 1, not {getattr(self, name)}")


@dataclass(frozen=True)
class ReceivedFile:
    path: Path
    sha256: str
    size: int


@dataclass(frozen=True)
class InspectedImage:
    path: Path
    format: str  # Pillow's name: JPEG, PNG, WEBP, GIF, AVIF
    mime: str
    width: int
    height: int
    frames: int
    sha256: str
    size: int
    orientation: int  # EXIF orientation 1-8; 1 when absent
    # The first frame as decoded by the check, when ``intake`` was asked to keep it (single
    # frame images only; JPEG at the reduced scale ``draft`` asked for).
    decoded: Image.Image | None = field(default=None, compare=False, repr=False)


MIME_BY_FORMAT = {
    "JPEG": "image/jpeg",
    "PNG": "image/png",
    "WEBP": "image/webp",
    "GIF": "image/gif",
    "AVIF": "image/avif",
}
_EXTENSIONS = {
    "JPEG": {".jpg", ".jpeg", ".jpe", ".jfif"},
    "PNG": {".png", ".apng"},
    "WEBP": {".webp"},
    "GIF": {".gif"},
    "AVIF": {".avif"},
}
_DISPLAY_NAMES = {"JPEG": "JPEG", "PNG": "PNG", "WEBP": "WebP", "GIF": "GIF", "AVIF": "AVIF"}
_GENERIC_DECLARED_TYPES = {"", "application/octet-stream", "binary/octet-stream"}


def supported_formats() -> tuple[str, ...]:
    """The formats this Pillow build can decode, in the order we name them to artists."""
    names = ["JPEG", "PNG", "WEBP", "GIF"]
    if features.check("avif"):
        names.append("AVIF")
    return tuple(names)


def sniff_format(head: bytes) -> str:
    """Name what the first bytes of a file are: a supported format or a description."""
    if head.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "WEBP"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "GIF"
    if head[4:8] == b"ftyp":
        brands = {head[i : i + 4] for i in range(8, min(len(head), 64) - 3, 4)}
        if brands & {b"avif", b"avis"}:
            return "AVIF"
        if brands & {b"heic", b"heix", b"mif1", b"heim", b"hevc"}:
            return "a HEIC image"
        return "a video"
    text = head.lstrip().lower()
    if head.startswith(b"%PDF"):
        return "a PDF document"
    if text.startswith((b"<!doctype html", b"<html", b"<head", b"<body")):
        return "an HTML page"
    if text.startswith((b"<svg", b"<?xml")):
        return "an SVG or XML document"
    if head.startswith(b"PK\x03\x04"):
        return "a ZIP archive"
    if head.startswith((b"II*\x00", b"MM\x00*")):
        return "a TIFF image"
    if head.startswith(b"BM"):
        return "a BMP image"
    if head.startswith(b"\x1f\x8b"):
        return "a gzip archive"
    if head.startswith(b"\x7fELF") or head.startswith(b"MZ"):
        return "a program"
    return "not a recognised image"


async def receive(
    source: AsyncIterable[bytes] | str | os.PathLike, folder: str | os.PathLike, max_bytes: int
) -> ReceivedFile:
    """Stream an upload into a new temporary file in ``folder``, hashing it on the way.

    Refuses with ``too-large`` as soon as more than ``max_bytes`` arrive; the
    partial file is removed before the error leaves.
    """
    handle, name = tempfile.mkstemp(prefix="upload-", suffix=".part", dir=folder)
    os.close(handle)
    path = Path(name)
    digest = hashlib.sha256()
    size = 0
    try:
        async with aiofiles.open(path, "wb") as out:
            async for chunk in _chunks(source):
                size += len(chunk)
                if size > max_bytes:
                    raise MediaRejected(
                        "too-large",
                        f"file is larger than the limit of {_human_bytes(max_bytes)}",
                    )
                digest.update(chunk)
                await out.write(chunk)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return ReceivedFile(path, digest.hexdigest(), size)


async def _chunks(source: AsyncIterable[bytes] | str | os.PathLike) -> AsyncIterable[bytes]:
    if isinstance(source, (str, os.PathLike)):
        async with aiofiles.open(source, "rb") as src:
            while chunk := await src.read(_COPY_BLOCK):
                yield chunk
    else:
        async for chunk in source:
            if chunk:
                yield bytes(chunk)


# (stored width, stored height, EXIF orientation) -> the size a JPEG may be decoded at.
DraftSize = Callable[[int, int, int], tuple[int, int]]


def inspect(
    received: ReceivedFile,
    limits: IntakeLimits,
    declared_type: str | None = None,
    filename: str | None = None,
    keep_decoded: DraftSize | None = None,
) -> InspectedImage:
    """Prove ``received`` is a whole, supported image within ``limits``, or raise ``MediaRejected``.

    With ``keep_decoded``, a single-frame image's decode is kept on the result for the
    caller to reuse (the derivatives), and a JPEG is decoded at the reduced DCT scale
    ``keep_decoded`` allows: every scan is still read in full, so truncated or damaged
    files are refused just the same. Does not remove the file; ``intake`` does that on refusal.
    """
    with open(received.path, "rb") as fp:
        head = fp.read(64)
        if not head:
            raise MediaRejected("empty", "file is empty")
        kind = sniff_format(head)
        if kind not in supported_formats():
            supported = ", ".join(supported_formats())
            if kind in MIME_BY_FORMAT:
                kind = f"an {kind} image, which this server cannot read"
            raise MediaRejected("unsupported-type", f"file is {kind}, not a supported image ({supported})")
        _check_claims(kind, declared_type, filename)
        _check_structure(kind, fp, limits)
        try:
            dimensions = declared_dimensions(fp, kind)
        except MalformedContainer as error:
            raise MediaRejected("broken-image", f"image is damaged or incomplete ({error})") from None
        if dimensions is not None:
            _check_pixels(*dimensions, limits)

    try:
        with Image.open(received.path, formats=[kind]) as image:
            width, height = image.size
            _check_pixels(width, height, limits)  # AVIF's header is only read by Pillow
            frames = getattr(image, "n_frames", 1)
            _check_frames(frames, limits)
            orientation = int(image.getexif().get(0x0112, 1) or 1)
            keep = keep_decoded is not None and frames == 1
            if keep and kind == "JPEG":
                image.draft(None, keep_decoded(width, height, orientation))
            for index in range(frames):
                image.seek(index)
                image.load()
            image.seek(0)
    except MediaRejected:
        raise
    except Image.DecompressionBombError:
        raise MediaRejected("too-many-pixels", "image has more pixels than this server can open") from None
    except (OSError, SyntaxError, ValueError, EOFError, RuntimeError, struct.error) as error:
        raise MediaRejected("broken-image", f"image is damaged or incomplete ({error})") from None
    if orientation not in range(1, 9):
        orientation = 1
    return InspectedImage(
        path=received.path,
        format=kind,
        mime=MIME_BY_FORMAT[kind],
        width=width,
        height=height,
        frames=frames,
        sha256=received.sha256,
        size=received.size,
        orientation=orientation,
        decoded=image if keep else None,
    )


async def intake(
    source: AsyncIterable[bytes] | str | os.PathLike,
    folder: str | os.PathLike,
    limits: IntakeLimits,
    declared_type: str | None = None,
    filename: str | None = None,
    keep_decoded: DraftSize | None = None,
) -> InspectedImage:
    """Receive and inspect an upload; on refusal nothing is left in ``folder``."""
    received = await receive(source, folder, limits.max_bytes)
    try:
        return await asyncio.to_thread(inspect, received, limits, declared_type, filename, keep_decoded)
    except BaseException:
        received.path.unlink(missing_ok=True)
        raise


def _check_claims(kind: str, declared_type: str | None, filename: str | None) -> None:
    declared = (declared_type or "").split(";")[0].strip().lower()
    declared = {"image/jpg": "image/jpeg", "image/pjpeg": "image/jpeg"}.get(declared, declared)
    name = _DISPLAY_NAMES[kind]
    if declared not in _GENERIC_DECLARED_TYPES and declared != MIME_BY_FORMAT[kind]:
        raise MediaRejected("type-mismatch", f"file was sent as {declared} but is really a {name} image")
    suffix = Path(filename or "").suffix.lower()
    if suffix and suffix not in _EXTENSIONS[kind]:
        raise MediaRejected("type-mismatch", f"file is named {suffix} but is really a {name} image")


def _check_structure(kind: str, fp, limits: IntakeLimits) -> None:
    """Follow the container to its end marker so truncated files are refused.

    GIF frames are counted and measured here, before Pillow walks them: a frame
    may reach beyond the logical screen, and Pillow grows the canvas to fit.
    """
    walker = {"JPEG": walk_jpeg, "PNG": walk_png, "WEBP": walk_riff, "GIF": walk_gif}.get(kind)
    if walker is None:
        return
    frames = 0
    try:
        for part in walker(fp):
            if part.kind == b",":  # a GIF image descriptor
                frames += 1
                left, top, width, height = struct.unpack("<HHHH", part.payload[:8])
                _check_pixels(left + width or 1, top + height or 1, limits)
    except MalformedContainer as error:
        raise MediaRejected("broken-image", f"image is damaged or incomplete ({error})") from None
    _check_frames(frames, limits)


def _check_frames(frames: int, limits: IntakeLimits) -> None:
    if frames > limits.max_frames:
        raise MediaRejected("too-many-frames", f"animation has {frames} frames, the limit is {limits.max_frames}")


def _check_pixels(width: int, height: int, limits: IntakeLimits) -> None:
    # Image.MAX_IMAGE_PIXELS is read, never changed: past it Pillow itself would warn.
    limit = min(limits.max_pixels, Image.MAX_IMAGE_PIXELS or limits.max_pixels)
    if width <= 0 or height <= 0:
        raise MediaRejected("broken-image", f"image declares impossible dimensions {width}x{height}")
    if width * height > limit:
        raise MediaRejected(
            "too-many-pixels",
            f"image is {width}x{height} pixels, the limit is {_human_pixels(limit)}",
        )


def _human_pixels(pixels: int) -> str:
    if pixels >= 1_000_000 and pixels % 100_000 == 0:
        return f"{pixels / 1_000_000:g} megapixels"
    return f"{pixels} pixels"


def _human_bytes(count: int) -> str:
    if count >= 1024 * 1024:
        return f"{count / (1024 * 1024):g} MiB"
    if count >= 1024:
        return f"{count / 1024:g} KiB"
    return f"{count} bytes"
