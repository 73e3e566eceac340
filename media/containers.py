"""Bounded walkers over the raw structure of JPEG, PNG and RIFF (WebP) files.

Provenance detection and lossless metadata rewriting both need to see every
segment or chunk exactly as stored, without trusting a decoder to surface it.
The walkers read from a seekable binary file, never hold more than one
metadata payload (capped at ``payload_limit`` bytes) in memory, skip image data
by seeking, and raise ``MalformedContainer`` for any structure they cannot
follow to its end (bad lengths, missing end markers, bad CRCs).
"""

from __future__ import annotations

import re
import struct
import zlib
from dataclasses import dataclass
from typing import BinaryIO, Iterator

DEFAULT_PAYLOAD_LIMIT = 8 * 1024 * 1024
_SCAN_BLOCK = 64 * 1024

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# Chunks whose payload is image data: never read into memory by the walker.
PNG_IMAGE_DATA_CHUNKS = frozenset({b"IDAT", b"fdAT"})
RIFF_IMAGE_DATA_CHUNKS = frozenset({b"VP8 ", b"VP8L", b"ALPH", b"ANMF"})

JPEG_SOI = 0xD8
JPEG_EOI = 0xD9
JPEG_SOS = 0xDA
# Markers that stand alone, without a length field.
_JPEG_STANDALONE = frozenset({0x01, *range(0xD0, 0xD8)})
# Inside scan data, 0xFF is followed by 0x00 (stuffing), a restart marker or more
# fill bytes; anything else is the next real marker.
_JPEG_MARKER_IN_SCAN = re.compile(rb"\xff[^\x00\xd0-\xd7\xff]")


class MalformedContainer(Exception):
    """The file's structure cannot be followed; ``offset`` is where it broke."""

    def __init__(self, container: str, offset: int, problem: str) -> None:
        super().__init__(f"{container} structure is malformed at byte {offset}: {problem}")
        self.container = container
        self.offset = offset
        self.problem = problem


@dataclass(frozen=True)
class Part:
    """One segment or chunk: its identifier, where it sits and (if small enough) its payload.

    ``kind`` is the JPEG marker byte as an int (``None`` for entropy-coded scan
    data), the 4-byte PNG/RIFF chunk type, or ``"trailer"`` for bytes after the
    container's end. ``offset``/``size`` span the whole
    part as stored (headers, padding and CRC included), so a rewriter can copy it
    byte for byte. ``payload`` is ``None`` when the part is image data or larger
    than the walker's limit (then ``oversized`` is true).
    """

    kind: int | bytes | str | None
    offset: int
    size: int
    payload_size: int
    payload: bytes | None
    oversized: bool = False


def _read_exact(fp: BinaryIO, count: int, container: str, offset: int) -> bytes:
    data = fp.read(count)
    if len(data) != count:
        raise MalformedContainer(container, offset, "file ends in the middle of a part")
    return data


def _file_size(fp: BinaryIO) -> int:
    here = fp.tell()
    end = fp.seek(0, 2)
    fp.seek(here)
    return end


def walk_jpeg(fp: BinaryIO) -> Iterator[Part]:
    """Yield every marker segment and scan of a JPEG, ending with EOI.

    Segments are at most 64 KiB, so every segment payload is read. Bytes after
    EOI are yielded as a part of kind ``"trailer"``.
    """
    fp.seek(0)
    end = _file_size(fp)
    if fp.read(2) != b"\xff\xd8":
        raise MalformedContainer("JPEG", 0, "missing start-of-image marker")
    yield Part(JPEG_SOI, 0, 2, 0, b"")
    offset = 2
    while True:
        fp.seek(offset)
        start = offset
        prefix = _read_exact(fp, 2, "JPEG", offset)
        if prefix[0] != 0xFF:
            raise MalformedContainer("JPEG", offset, f"expected a marker, found byte 0x{prefix[0]:02x}")
        marker = prefix[1]
        while marker == 0xFF:  # fill bytes before a marker
            marker = _read_exact(fp, 1, "JPEG", fp.tell())[0]
        offset = fp.tell()
        if marker == JPEG_EOI:
            yield Part(marker, start, offset - start, 0, b"")
            if offset < end:
                yield Part("trailer", offset, end - offset, end - offset, None, oversized=True)
            return
        if marker in _JPEG_STANDALONE:
            yield Part(marker, start, offset - start, 0, b"")
            continue
        if marker == 0x00 or marker == JPEG_SOI:
            raise MalformedContainer("JPEG", start, f"unexpected marker 0x{marker:02x}")
        (length,) = struct.unpack(">H", _read_exact(fp, 2, "JPEG", offset))
        if length < 2:
            raise MalformedContainer("JPEG", offset, f"segment length {length} is too small")
        payload_size = length - 2
        if offset + length > end:
            raise MalformedContainer("JPEG", offset, "segment runs past the end of the file")
        payload = _read_exact(fp, payload_size, "JPEG", offset + 2)
        offset += length
        yield Part(marker, start, offset - start, payload_size, payload)
        if marker == JPEG_SOS:
            scan_end = _find_scan_end(fp, offset, end)
            yield Part(None, offset, scan_end - offset, scan_end - offset, None)
            offset = scan_end


def _find_scan_end(fp: BinaryIO, offset: int, end: int) -> int:
    """Return the offset of the first real marker after entropy-coded data."""
    fp.seek(offset)
    position = offset
    carry = b""
    while True:
        block = fp.read(_SCAN_BLOCK)
        if not block:
            raise MalformedContainer("JPEG", end, "image data ends without an end-of-image marker")
        data = carry + block
        found = _JPEG_MARKER_IN_SCAN.search(data)
        if found:
            return position - len(carry) + found.start()
        position += len(block)
        carry = data[-1:] if data.endswith(b"\xff") else b""


def walk_png(fp: BinaryIO, payload_limit: int = DEFAULT_PAYLOAD_LIMIT) -> Iterator[Part]:
    """Yield every PNG chunk up to and including IEND, checking CRCs of chunks it reads."""
    fp.seek(0)
    end = _file_size(fp)
    if fp.read(8) != PNG_SIGNATURE:
        raise MalformedContainer("PNG", 0, "missing PNG signature")
    offset = 8
    while True:
        fp.seek(offset)
        length, kind = struct.unpack(">I4s", _read_exact(fp, 8, "PNG", offset))
        if length > 0x7FFFFFFF:
            raise MalformedContainer("PNG", offset, f"chunk length {length} is out of range")
        if not kind.isalpha() or not kind.isascii():
            raise MalformedContainer("PNG", offset, f"chunk type {kind!r} is not four letters")
        size = 12 + length
        if offset + size > end:
            raise MalformedContainer("PNG", offset, f"{kind.decode()} chunk runs past the end of the file")
        payload = None
        oversized = length > payload_limit
        if kind not in PNG_IMAGE_DATA_CHUNKS and not oversized:
            payload = _read_exact(fp, length, "PNG", offset + 8)
            (crc,) = struct.unpack(">I", _read_exact(fp, 4, "PNG", offset + 8 + length))
            if zlib.crc32(kind + payload) != crc:
                raise MalformedContainer("PNG", offset, f"{kind.decode()} chunk has a bad CRC")
        yield Part(kind, offset, size, length, payload, oversized)
        offset += size
        if kind == b"IEND":
            if offset < end:
                yield Part("trailer", offset, end - offset, end - offset, None, oversized=True)
            return


def walk_riff(fp: BinaryIO, payload_limit: int = DEFAULT_PAYLOAD_LIMIT) -> Iterator[Part]:
    """Yield every top-level chunk of a RIFF/WEBP file (the 12-byte header is not a part)."""
    fp.seek(0)
    end = _file_size(fp)
    header = fp.read(12)
    if len(header) != 12 or header[:4] != b"RIFF" or header[8:12] != b"WEBP":
        raise MalformedContainer("WebP", 0, "missing RIFF/WEBP header")
    (riff_size,) = struct.unpack("<I", header[4:8])
    riff_end = 8 + riff_size
    if riff_size % 2 or riff_end > end:
        raise MalformedContainer("WebP", 4, f"RIFF size {riff_size} does not match a file of {end} bytes")
    offset = 12
    while offset < riff_end:
        fp.seek(offset)
        kind, length = struct.unpack("<4sI", _read_exact(fp, 8, "WebP", offset))
        size = 8 + length + (length & 1)
        if offset + size > riff_end:
            raise MalformedContainer("WebP", offset, f"chunk {kind!r} runs past the end of the RIFF")
        payload = None
        oversized = length > payload_limit
        if kind not in RIFF_IMAGE_DATA_CHUNKS and not oversized:
            payload = _read_exact(fp, length, "WebP", offset + 8)
        yield Part(kind, offset, size, length, payload, oversized)
        offset += size
    if riff_end < end:
        yield Part("trailer", riff_end, end - riff_end, end - riff_end, None, oversized=True)


def inflate_bounded(data: bytes, limit: int) -> bytes | None:
    """Decompress zlib data, or return ``None`` if it would exceed ``limit`` bytes.

    Raises ``MalformedContainer`` when the data is not valid zlib.
    """
    inflater = zlib.decompressobj()
    try:
        out = inflater.decompress(data, limit + 1)
    except zlib.error as error:
        raise MalformedContainer("zlib", 0, str(error)) from None
    if len(out) > limit:
        return None
    return out


def declared_dimensions(fp: BinaryIO, fmt: str) -> tuple[int, int] | None:
    """Width and height as the file's header declares them, read without decoding.

    Returns ``None`` for formats read here by Pillow alone (AVIF). Raises
    ``MalformedContainer`` when the header is missing or cut short.
    """
    fp.seek(0)
    if fmt == "PNG":
        header = _read_exact(fp, 24, "PNG", 0)
        return struct.unpack(">II", header[16:24])
    if fmt == "GIF":
        header = _read_exact(fp, 10, "GIF", 0)
        return struct.unpack("<HH", header[6:10])
    if fmt == "JPEG":
        for part in walk_jpeg(fp):
            if isinstance(part.kind, int) and 0xC0 <= part.kind <= 0xCF and part.kind not in (0xC4, 0xC8, 0xCC):
                if len(part.payload) < 5:
                    raise MalformedContainer("JPEG", part.offset, "frame header is cut short")
                height, width = struct.unpack(">HH", part.payload[1:5])
                return width, height
        raise MalformedContainer("JPEG", 0, "no frame header")
    if fmt == "WEBP":
        for part in walk_riff(fp):
            if part.kind == b"VP8X" and len(part.payload) >= 10:
                payload = part.payload
                return int.from_bytes(payload[4:7], "little") + 1, int.from_bytes(payload[7:10], "little") + 1
            if part.kind in (b"VP8 ", b"VP8L"):
                fp.seek(part.offset + 8)
                payload = _read_exact(fp, 10, "WebP", part.offset + 8)
                if part.kind == b"VP8 ":
                    width, height = struct.unpack("<HH", payload[6:10])
                    return width & 0x3FFF, height & 0x3FFF
                bits = int.from_bytes(payload[1:5], "little")
                return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
        raise MalformedContainer("WebP", 0, "no image header")
    return None


def walk_gif(fp: BinaryIO, payload_limit: int = DEFAULT_PAYLOAD_LIMIT) -> Iterator[Part]:
    """Yield the blocks of a GIF: extensions with their sub-blocks joined, image data unread.

    Extension parts have kind ``b"!"`` plus the label byte (application
    extensions add their 11-byte identifier, e.g. ``b"!\\xffC2PA_GIF"``); image
    descriptors have kind ``b","`` and their 9 descriptor bytes (position and
    size) as payload; the trailer has kind ``b";"``.
    """
    fp.seek(0)
    end = _file_size(fp)
    header = _read_exact(fp, 13, "GIF", 0)
    if header[:6] not in (b"GIF87a", b"GIF89a"):
        raise MalformedContainer("GIF", 0, "missing GIF signature")
    offset = 13
    if header[10] & 0x80:
        offset += 3 << ((header[10] & 0x07) + 1)
    while True:
        fp.seek(offset)
        start = offset
        introducer = _read_exact(fp, 1, "GIF", offset)
        if introducer == b";":
            yield Part(b";", start, 1, 0, b"")
            if start + 1 < end:
                yield Part("trailer", start + 1, end - start - 1, end - start - 1, None, oversized=True)
            return
        if introducer == b"!":
            label = _read_exact(fp, 1, "GIF", offset + 1)
            kind = b"!" + label
            if label == b"\xff":
                size = _read_exact(fp, 1, "GIF", offset + 2)[0]
                kind += _read_exact(fp, size, "GIF", offset + 3)
            payload, length = _gif_sub_blocks(fp, payload_limit)
        elif introducer == b",":
            descriptor = _read_exact(fp, 9, "GIF", offset + 1)
            if descriptor[8] & 0x80:
                fp.seek(3 << ((descriptor[8] & 0x07) + 1), 1)
            _read_exact(fp, 1, "GIF", fp.tell())  # LZW minimum code size
            kind, payload = b",", descriptor
            _, length = _gif_sub_blocks(fp, 0)
        else:
            raise MalformedContainer("GIF", offset, f"unexpected block introducer {introducer!r}")
        offset = fp.tell()
        yield Part(kind, start, offset - start, length, payload, oversized=payload is None)


def _gif_sub_blocks(fp: BinaryIO, payload_limit: int) -> tuple[bytes | None, int]:
    """Read data sub-blocks up to the terminator; keep their data while under the limit."""
    pieces: list[bytes] | None = []
    length = 0
    while True:
        size = _read_exact(fp, 1, "GIF", fp.tell())[0]
        if size == 0:
            return (b"".join(pieces) if pieces is not None else None), length
        data = _read_exact(fp, size, "GIF", fp.tell())
        length += size
        if pieces is not None and length <= payload_limit:
            pieces.append(data)
        else:
            pieces = None
