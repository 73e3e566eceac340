"""Upload intake: what an artist sees when they upload good, bad and hostile files."""

from __future__ import annotations

import hashlib
import os
import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import features

from media.intake import IntakeLimits, MediaRejected, ReceivedFile, inspect, intake
from tests.media import samples

LIMITS = IntakeLimits(max_bytes=2 * 1024 * 1024, max_pixels=50_000_000, max_frames=300)


async def stream(data: bytes, chunk: int = 1000):
    for start in range(0, len(data), chunk):
        yield data[start : start + chunk]


async def refused(tmp_path, data: bytes, limits: IntakeLimits = LIMITS, **claims) -> MediaRejected:
    folder = tmp_path / "incoming"
    folder.mkdir(exist_ok=True)
    with pytest.raises(MediaRejected) as caught:
        await intake(stream(data), folder, limits, **claims)
    assert os.listdir(folder) == [], "a refused upload must leave nothing behind"
    return caught.value


GOOD = {
    "JPEG": (lambda: samples.encode(samples.picture(), "JPEG"), "image/jpeg", "art.jpg"),
    "PNG": (lambda: samples.encode(samples.picture(mode="RGBA"), "PNG"), "image/png", "art.png"),
    "WEBP": (lambda: samples.encode(samples.picture(), "WEBP"), "image/webp", "art.webp"),
    "GIF": (lambda: samples.animated_gif(5), "image/gif", "art.gif"),
}
if features.check("avif"):
    GOOD["AVIF"] = (lambda: samples.encode(samples.picture(), "AVIF"), "image/avif", "art.avif")
GOOD_BYTES = {fmt: make() for fmt, (make, _, _) in GOOD.items()}


@pytest.mark.parametrize("fmt", sorted(GOOD))
async def test_accepts_each_supported_format_with_its_facts(tmp_path, fmt):
    make, mime, name = GOOD[fmt]
    data = make()
    result = await intake(stream(data), tmp_path, LIMITS, declared_type=mime, filename=name)
    assert (result.format, result.mime) == (fmt, mime)
    assert result.size == len(data)
    assert result.sha256 == hashlib.sha256(data).hexdigest()
    assert result.path.read_bytes() == data
    assert result.path.parent == tmp_path
    if fmt == "GIF":
        assert (result.width, result.height, result.frames) == (4, 4, 5)
    else:
        assert (result.width, result.height, result.frames) == (64, 48, 1)


async def test_reads_orientation_and_accepts_a_file_path(tmp_path):
    source = tmp_path / "phone.jpg"
    source.write_bytes(samples.encode(samples.picture(), "JPEG", exif=samples.gps_exif(orientation=6)))
    result = await intake(source, tmp_path, LIMITS)
    assert result.orientation == 6
    assert result.path != source and result.path.read_bytes() == source.read_bytes()


async def test_stops_reading_once_the_byte_limit_is_passed(tmp_path):
    consumed = 0

    async def endless():
        nonlocal consumed
        while consumed < 100:
            consumed += 1
            yield b"\xff" * 100_000

    with pytest.raises(MediaRejected) as caught:
        await intake(endless(), tmp_path, IntakeLimits(max_bytes=1_000_000))
    assert caught.value.code == "too-large"
    assert "larger than the limit of" in caught.value.message
    assert consumed == 11
    assert os.listdir(tmp_path) == []


async def test_refuses_a_dimension_bomb_before_decoding(tmp_path):
    bomb = samples.with_png_dimensions(samples.encode(samples.picture(), "PNG"), 30000, 30000)
    assert len(bomb) < 20_000
    error = await refused(tmp_path, bomb)
    assert error.code == "too-many-pixels"
    assert error.message == "image is 30000x30000 pixels, the limit is 50 megapixels"


async def test_refuses_a_jpeg_bomb_even_when_the_limit_is_above_pillows(tmp_path):
    bomb = samples.with_jpeg_dimensions(samples.encode(samples.picture(), "JPEG"), 60000, 60000)
    error = await refused(tmp_path, bomb, IntakeLimits(max_pixels=10**10))
    assert error.code == "too-many-pixels"
    assert "60000x60000" in error.message


async def test_refuses_an_animation_with_too_many_frames(tmp_path):
    error = await refused(tmp_path, samples.animated_gif(12), IntakeLimits(max_frames=10))
    assert error.code == "too-many-frames"
    assert error.message == "animation has 12 frames, the limit is 10"


@pytest.mark.parametrize(
    "fmt, cut",
    [("JPEG", -2), ("JPEG", 0.6), ("PNG", -12), ("PNG", 0.6), ("WEBP", 0.7), ("GIF", 0.6)],
)
async def test_refuses_truncated_files(tmp_path, fmt, cut):
    if fmt == "GIF":
        data = samples.animated_gif(5, size=(64, 48))
    else:
        data = samples.encode(samples.picture((256, 192)), fmt)
    data = data[:cut] if isinstance(cut, int) else data[: int(len(data) * cut)]
    error = await refused(tmp_path, data)
    assert error.code == "broken-image"
    assert "damaged or incomplete" in error.message


@pytest.mark.parametrize(
    "content, says",
    [
        (b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n", "file is a PDF document, not a supported image"),
        (b"  <!DOCTYPE html><html><script>alert(1)</script></html>", "file is an HTML page, not a supported image"),
        (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>', "file is an SVG or XML document"),
        (b"PK\x03\x04" + bytes(40), "file is a ZIP archive"),
        (b"just some text", "file is not a recognised image"),
    ],
)
async def test_refuses_documents_disguised_as_images(tmp_path, content, says):
    error = await refused(tmp_path, content, declared_type="image/jpeg", filename="cat.jpg")
    assert error.code == "unsupported-type"
    assert error.message.startswith(says)


async def test_refuses_an_empty_file(tmp_path):
    error = await refused(tmp_path, b"")
    assert (error.code, error.message) == ("empty", "file is empty")


@pytest.mark.parametrize(
    "claims, says",
    [
        ({"filename": "art.jpg"}, "file is named .jpg but is really a PNG image"),
        ({"declared_type": "image/jpeg"}, "file was sent as image/jpeg but is really a PNG image"),
        ({"declared_type": "text/html"}, "file was sent as text/html but is really a PNG image"),
    ],
)
async def test_refuses_a_file_whose_name_or_declared_type_lies(tmp_path, claims, says):
    error = await refused(tmp_path, samples.encode(samples.picture(), "PNG"), **claims)
    assert (error.code, error.message) == ("type-mismatch", says)


async def test_generic_declared_type_and_upper_case_extension_are_fine(tmp_path):
    data = samples.encode(samples.picture(), "JPEG")
    result = await intake(stream(data), tmp_path, LIMITS, declared_type="application/octet-stream", filename="SCAN.JPEG")
    assert result.format == "JPEG"


async def test_refuses_a_gif_frame_that_outgrows_the_screen(tmp_path):
    gif = samples.animated_gif(2)
    second = gif.index(b"\x2c", gif.index(b"\x2c") + 1)  # second image descriptor
    bomb = gif[: second + 5] + struct.pack("<HH", 8000, 8000) + gif[second + 9 :]
    error = await refused(tmp_path, bomb)
    assert error.code == "too-many-pixels"
    assert error.message == "image is 8000x8000 pixels, the limit is 50 megapixels"


@settings(max_examples=200, deadline=None)
@given(fmt=st.sampled_from(sorted(GOOD)), cut=st.integers(min_value=0), junk=st.binary(max_size=64))
def test_inspect_refuses_damaged_files_only_with_media_rejected(tmp_path_factory, fmt, cut, junk):
    data = GOOD_BYTES[fmt]
    cut %= len(data)
    path = tmp_path_factory.mktemp("inspect") / "upload"
    path.write_bytes(data[:cut] + junk + data[cut + len(junk) :])
    try:
        inspect(ReceivedFile(path, "", path.stat().st_size), LIMITS)
    except MediaRejected as error:
        assert error.message


async def test_image_jpg_is_understood_but_the_name_still_counts(tmp_path):
    data = samples.encode(samples.picture(), "WEBP")
    error = await refused(tmp_path, data, declared_type="image/jpg")
    assert error.message == "file was sent as image/jpeg but is really a WebP image"
    jpeg = samples.encode(samples.picture(), "JPEG")
    error = await refused(tmp_path, jpeg, declared_type="image/jpg", filename="art.png")
    assert error.message == "file is named .png but is really a JPEG image"
