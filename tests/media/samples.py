"""Real image files for the media tests, made with Pillow and by hand-built containers.

Everything is generated here: plain images, EXIF with GPS, each kind of AI mark
(XMP Digital Source Type, C2PA stores laid out as in C2PA Annex A, generator text
chunks), bombs, truncated files, disguised documents, and structure tricks.
"""

from __future__ import annotations

import functools
import io
import struct
import zlib

from PIL import Image, ImageCms, PngImagePlugin

DST = "http://cv.iptc.org/newscodes/digitalsourcetype/"
A1111_TEXT = (
    "a lighthouse at dusk, oil painting\nNegative prompt: blurry\n"
    "Steps: 28, Sampler: DPM++ 2M, CFG scale: 7, Seed: 1234, Size: 64x48, Model: sd15"
)


def picture(size=(64, 48), mode="RGB") -> Image.Image:
    """A non-uniform test picture, so pixel comparisons mean something."""
    image = Image.new(mode, size)
    width, height = size
    pixels = [((x * 7 + y * 3) % 256, (x * y) % 256, (255 - x * 4) % 256, (128 + y * 5) % 256) for y in range(height) for x in range(width)]
    image.putdata([p[: len(mode)] if len(mode) > 1 else p[0] for p in pixels])
    return image


def encode(image: Image.Image, fmt: str, **options) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


def gps_exif(orientation: int = 1) -> bytes:
    exif = Image.Exif()
    exif[0x0112] = orientation
    exif[0x010F] = "PhoneMaker"
    exif[0x8825] = {1: "N", 2: (48.0, 51.0, 30.0), 3: "E", 4: (2.0, 17.0, 40.0)}
    return exif.tobytes()


@functools.cache
def srgb_icc() -> bytes:
    """An sRGB profile, made once: its header records the second it was created."""
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def xmp_with_source_type(term: str, extra: str = "") -> bytes:
    return (
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        '<rdf:Description rdf:about="" xmlns:Iptc4xmpExt="http://iptc.org/std/Iptc4xmpExt/2008-02-29/">'
        f"<Iptc4xmpExt:DigitalSourceType>{DST}{term}</Iptc4xmpExt:DigitalSourceType>{extra}"
        "</rdf:Description></rdf:RDF></x:xmpmeta>"
    ).encode()


def png_with_text(chunks: dict[str, str], compressed: bool = False) -> bytes:
    info = PngImagePlugin.PngInfo()
    for key, value in chunks.items():
        if compressed:
            info.add_itxt(key, value, zip=True)
        else:
            info.add_text(key, value)
    return encode(picture(), "PNG", pnginfo=info)


# -- hand-built containers ---------------------------------------------------------


def png_chunk(kind: bytes, payload: bytes, crc: int | None = None) -> bytes:
    crc = zlib.crc32(kind + payload) if crc is None else crc
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", crc)


def png_insert_after_ihdr(png: bytes, *chunks: bytes) -> bytes:
    return png[:33] + b"".join(chunks) + png[33:]


def jpeg_segment(marker: int, payload: bytes) -> bytes:
    return struct.pack(">BBH", 0xFF, marker, len(payload) + 2) + payload


def jpeg_insert_after_soi(jpeg: bytes, *segments: bytes) -> bytes:
    return jpeg[:2] + b"".join(segments) + jpeg[2:]


def riff_chunk(kind: bytes, payload: bytes) -> bytes:
    return struct.pack("<4sI", kind, len(payload)) + payload + (b"\x00" if len(payload) % 2 else b"")


def webp_append_chunk(webp: bytes, chunk: bytes) -> bytes:
    body = webp[12:] + chunk
    return b"RIFF" + struct.pack("<I", len(body) + 4) + b"WEBP" + body


def cbor(value) -> bytes:
    """The tiny CBOR subset a C2PA assertion needs: maps, arrays, text."""

    def head(major: int, length: int) -> bytes:
        if length < 24:
            return bytes([major << 5 | length])
        if length < 256:
            return bytes([major << 5 | 24, length])
        return bytes([major << 5 | 25]) + struct.pack(">H", length)

    if isinstance(value, str):
        data = value.encode()
        return head(3, len(data)) + data
    if isinstance(value, list):
        return head(4, len(value)) + b"".join(cbor(item) for item in value)
    if isinstance(value, dict):
        return head(5, len(value)) + b"".join(cbor(k) + cbor(v) for k, v in value.items())
    raise TypeError(value)


def jumbf_box(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I4s", 8 + len(payload), kind) + payload


def jumbf_superbox(type_uuid: bytes, label: str, *children: bytes) -> bytes:
    description = jumbf_box(b"jumd", type_uuid + b"\x03" + label.encode() + b"\x00")
    return jumbf_box(b"jumb", description + b"".join(children))


C2PA_STORE_UUID = bytes.fromhex("6332706100110010800000AA00389B71")
CBOR_UUID = bytes.fromhex("63626F7200110010800000AA00389B71")


def c2pa_store(source_type: str, padding: int = 0, extra_label: str | None = None) -> bytes:
    """A C2PA manifest store whose actions assertion records ``source_type``.

    ``padding`` adds a filler assertion first, to push the actions across segment
    boundaries in JPEG.
    """
    actions = cbor({"actions": [{"action": "c2pa.created", "digitalSourceType": DST + source_type}]})
    assertions = []
    if padding:
        assertions.append(jumbf_superbox(CBOR_UUID, "c2pa.filler", jumbf_box(b"cbor", cbor("x" * padding))))
    assertions.append(jumbf_superbox(CBOR_UUID, "c2pa.actions.v2", jumbf_box(b"cbor", actions)))
    if extra_label:
        assertions.append(jumbf_superbox(CBOR_UUID, extra_label, jumbf_box(b"cbor", cbor({"description": "made with AI"}))))
    store = jumbf_superbox(C2PA_STORE_UUID, "c2pa.assertions", *assertions)
    manifest = jumbf_superbox(C2PA_STORE_UUID, "urn:c2pa:0d5a-test", store)
    return jumbf_superbox(C2PA_STORE_UUID, "c2pa", manifest)


def jpeg_app11_segments(store: bytes, split: int = 64_000) -> list[bytes]:
    """Wrap a JUMBF store in JPEG XT APP11 segments, repeating LBox/TBox after the first."""
    segments = []
    header = store[:8]
    pieces = [store[:split]] + [store[i : i + split] for i in range(split, len(store), split)]
    for sequence, piece in enumerate(pieces, start=1):
        body = piece if sequence == 1 else header + piece
        segments.append(jpeg_segment(0xEB, b"JP" + b"\x02\x11" + struct.pack(">I", sequence) + body))
    return segments


def a1111_user_comment_exif() -> bytes:
    exif = Image.Exif()
    exif.get_ifd(0x8769)[0x9286] = b"UNICODE\x00" + A1111_TEXT.encode("utf-16-be")
    return exif.tobytes()


def gif_with_c2pa(store: bytes) -> bytes:
    """An animated GIF carrying ``store`` in a C2PA_GIF application extension (255-byte sub-blocks)."""
    data = animated_gif(2)
    sub_blocks = b"".join(bytes([len(store[i : i + 255])]) + store[i : i + 255] for i in range(0, len(store), 255))
    extension = b"\x21\xff\x0bC2PA_GIF\x01\x00\x00" + sub_blocks + b"\x00"
    start = data.index(b"\x21\xff\x0bNETSCAPE")
    return data[:start] + extension + data[start:]


def with_png_dimensions(png: bytes, width: int, height: int) -> bytes:
    """Rewrite the IHDR of a PNG to claim other dimensions (with a valid CRC)."""
    ihdr = png[16:29]
    new = struct.pack(">II", width, height) + ihdr[8:]
    return png[:8] + png_chunk(b"IHDR", new) + png[33:]


def with_jpeg_dimensions(jpeg: bytes, width: int, height: int) -> bytes:
    index = jpeg.index(b"\xff\xc0")
    return jpeg[: index + 5] + struct.pack(">HH", height, width) + jpeg[index + 9 :]


def animated_gif(frames: int, size=(4, 4)) -> bytes:
    images = [Image.new("RGB", size, color=((i * 37) % 256, (i * 11) % 256, i % 256)) for i in range(frames)]
    out = io.BytesIO()
    images[0].save(out, "GIF", save_all=True, append_images=images[1:], duration=40, loop=0, disposal=2)
    return out.getvalue()


def with_stealth_metadata(image: Image.Image, magic: bytes = b"stealth_pngcomp") -> Image.Image:
    """Hide ``magic`` in the alpha lowest bits, column by column, as NovelAI does."""
    image = image.convert("RGBA")
    bits = [int(bit) for byte in magic for bit in f"{byte:08b}"]
    alpha = image.getchannel("A")
    for index, bit in enumerate(bits):
        x, y = divmod(index, image.height)
        alpha.putpixel((x, y), (alpha.getpixel((x, y)) & 0xFE) | bit)
    image.putalpha(alpha)
    return image
