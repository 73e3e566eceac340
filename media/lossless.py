"""Lossless metadata rewriting for originals an artist protected before upload.

Glaze-style protections live in the exact pixel values, so a re-encode would
weaken them. ``rewrite_metadata`` copies the container part by part: image
data (JPEG tables, frame headers and scans; PNG IDAT/fdAT; WebP VP8/VP8L/ALPH/
ANMF) is copied byte for byte, while EXIF, XMP, IPTC, comments, text chunks,
C2PA stores and unknown chunks are dropped. The rights XMP packet is inserted,
and an EXIF block holding only the orientation is kept when the original was
rotated, so the image still displays upright.
"""

from __future__ import annotations

import struct
import zlib
from pathlib import Path
from typing import BinaryIO

from PIL import Image

from media.containers import MalformedContainer, Part, walk_jpeg, walk_png, walk_riff
from media.metadata import JPEG_XMP_HEADER, PNG_XMP_KEYWORD

# JPEG application segments that affect how pixels decode: JFIF (APP0), ICC profile
# (APP2 "ICC_PROFILE"), Adobe colour transform (APP14). Every other APPn and COM goes.
_JPEG_KEPT_APP = {0xE0: b"JFIF\x00", 0xE2: b"ICC_PROFILE\x00", 0xEE: b"Adobe"}
_JPEG_COMMENT = 0xFE

# PNG ancillary chunks that affect rendering or animation; all others are dropped.
_PNG_KEPT = frozenset(
    {
        b"IHDR", b"PLTE", b"IDAT", b"IEND", b"tRNS", b"cHRM", b"gAMA", b"iCCP", b"sBIT",
        b"sRGB", b"cICP", b"mDCV", b"cLLI", b"bKGD", b"pHYs", b"acTL", b"fcTL", b"fdAT",
    }
)
_WEBP_KEPT = frozenset({b"VP8X", b"ICCP", b"ANIM", b"ANMF", b"ALPH", b"VP8 ", b"VP8L"})
_VP8X_ICC, _VP8X_ALPHA, _VP8X_EXIF, _VP8X_XMP, _VP8X_ANIMATION = 0x20, 0x10, 0x08, 0x04, 0x02


def orientation_exif(orientation: int) -> bytes:
    """A minimal big-endian TIFF/EXIF block holding only the orientation tag."""
    return b"MM\x00*" + struct.pack(">IHHHIII", 8, 1, 0x0112, 3, 1, orientation << 16, 0)


def rewrite_metadata(source: str | Path, target: str | Path, fmt: str, rights_xmp: bytes, orientation: int = 1) -> None:
    """Write ``source`` to ``target`` with private metadata removed and ``rights_xmp`` added.

    Raises ``MalformedContainer`` (and removes ``target``) if ``source`` cannot be walked.

    ``fmt`` is the sniffed format (JPEG, PNG or WEBP); ``orientation`` the EXIF
    orientation found at intake, kept when it is not 1.
    """
    rewrite = {"JPEG": _rewrite_jpeg, "PNG": _rewrite_png, "WEBP": _rewrite_webp}.get(fmt)
    if rewrite is None:
        raise ValueError(f"cannot rewrite {fmt} metadata losslessly")
    try:
        with open(source, "rb") as src, open(target, "wb") as out:
            rewrite(src, out, rights_xmp, orientation)
    except BaseException:
        Path(target).unlink(missing_ok=True)
        raise


def _copy(src: BinaryIO, out: BinaryIO, part: Part) -> None:
    src.seek(part.offset)
    remaining = part.size
    while remaining:
        block = src.read(min(remaining, 1024 * 1024))
        out.write(block)
        remaining -= len(block)


def _rewrite_jpeg(src: BinaryIO, out: BinaryIO, rights_xmp: bytes, orientation: int) -> None:
    def segment(marker: int, payload: bytes) -> bytes:
        return struct.pack(">BBH", 0xFF, marker, len(payload) + 2) + payload

    inserted = False
    for part in walk_jpeg(src):  # walkers seek before every read, so copying in between is safe
        if part.kind == "trailer":
            continue
        marker = part.kind
        is_app = isinstance(marker, int) and 0xE0 <= marker <= 0xEF
        if is_app and not (marker in _JPEG_KEPT_APP and part.payload.startswith(_JPEG_KEPT_APP[marker])):
            continue
        if marker == _JPEG_COMMENT:
            continue
        if not inserted and marker not in (0xD8, 0xE0):
            if orientation != 1:
                out.write(segment(0xE1, b"Exif\x00\x00" + orientation_exif(orientation)))
            out.write(segment(0xE1, JPEG_XMP_HEADER + rights_xmp))
            inserted = True
        _copy(src, out, part)


def _png_chunk(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))


def _rewrite_png(src: BinaryIO, out: BinaryIO, rights_xmp: bytes, orientation: int) -> None:
    out.write(b"\x89PNG\r\n\x1a\n")
    for part in walk_png(src):
        if part.kind not in _PNG_KEPT:
            continue
        _copy(src, out, part)
        if part.kind == b"IHDR":
            if orientation != 1:
                out.write(_png_chunk(b"eXIf", orientation_exif(orientation)))
            itxt = PNG_XMP_KEYWORD.encode() + b"\x00\x00\x00\x00\x00" + rights_xmp
            out.write(_png_chunk(b"iTXt", itxt))


def _riff_chunk(kind: bytes, payload: bytes) -> bytes:
    return struct.pack("<4sI", kind, len(payload)) + payload + (b"\x00" if len(payload) & 1 else b"")


def _rewrite_webp(src: BinaryIO, out: BinaryIO, rights_xmp: bytes, orientation: int) -> None:
    parts = [part for part in walk_riff(src) if part.kind in _WEBP_KEPT]
    header = next((part for part in parts if part.kind == b"VP8X"), None)
    if header is not None:
        if header.payload is None or len(header.payload) < 10:
            raise MalformedContainer("WebP", header.offset, "VP8X header is cut short")
        flags = header.payload[0] & ~(_VP8X_EXIF | _VP8X_XMP)
        canvas = header.payload[4:10]
        parts.remove(header)
    else:  # simple format: an extended header is needed to carry metadata
        src.seek(0)
        try:
            with Image.open(src, formats=["WEBP"]) as image:
                width, height = image.size
                flags = _VP8X_ALPHA if "A" in image.mode else 0
        except (OSError, ValueError, SyntaxError) as error:
            raise MalformedContainer("WebP", 0, f"image header cannot be read ({error})") from None
        canvas = (width - 1).to_bytes(3, "little") + (height - 1).to_bytes(3, "little")
    flags |= _VP8X_XMP | (_VP8X_EXIF if orientation != 1 else 0)
    if not any(part.kind == b"ICCP" for part in parts):
        flags &= ~_VP8X_ICC
    body_size = 4 + len(_riff_chunk(b"VP8X", bytes(10))) + sum(part.size for part in parts)
    trailer = b""
    if orientation != 1:
        trailer += _riff_chunk(b"EXIF", orientation_exif(orientation))
    trailer += _riff_chunk(b"XMP ", rights_xmp)
    out.write(b"RIFF" + struct.pack("<I", body_size + len(trailer)) + b"WEBP")
    out.write(_riff_chunk(b"VP8X", bytes([flags, 0, 0, 0]) + canvas))
    for part in parts:
        _copy(src, out, part)
    out.write(trailer)
