"""Derivatives: what leaves the server is capped, upright, in a readable format."""

from __future__ import annotations

import asyncio
import errno
import math
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image, ImageOps

from media.derivatives import (
    DerivativeMaker,
    DerivativeSettings,
    FocalPoint,
    fit_box,
    fit_pixel_count,
    make_derivatives,
)
from tests.media.images import BLUE, RED, close_to, mean_colour, photo_like, save_jpeg, srgb_profile_bytes, two_halves


def _open(derivative) -> Image.Image:
    image = Image.open(derivative.path)
    image.load()
    return image


def _assert_files_match_description(result) -> None:
    for derivative in result.files:
        image = _open(derivative)
        assert image.size == (derivative.width, derivative.height)
        assert derivative.byte_size == derivative.path.stat().st_size
        assert Image.MIME[image.format] == derivative.mime


@given(
    width=st.integers(1, 100_000),
    height=st.integers(1, 100_000),
    max_pixels=st.integers(4096, 50_000_000),
)
def test_fitted_size_never_exceeds_the_pixel_cap_and_keeps_the_shape(width, height, max_pixels):
    fitted_width, fitted_height = fit_pixel_count(width, height, max_pixels)
    assert fitted_width * fitted_height <= max_pixels
    assert 1 <= fitted_width <= width and 1 <= fitted_height <= height
    if width * height <= max_pixels:
        assert (fitted_width, fitted_height) == (width, height)
    elif min(fitted_width, fitted_height) > 20:
        assert math.isclose(fitted_width / fitted_height, width / height, rel_tol=0.1)
        assert fitted_width * fitted_height >= max_pixels * 0.9  # not needlessly small


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(width=st.integers(1, 2400), height=st.integers(1, 2400), source_format=st.sampled_from(["JPEG", "PNG"]))
def test_display_image_from_any_shape_stays_under_the_cap(tmp_path, width, height, source_format):
    source = tmp_path / f"source.{source_format.lower()}"
    photo_like((width, height)).save(source, source_format)
    cap = 300_000
    result = make_derivatives(source, tmp_path / "out", DerivativeSettings(max_federated_pixels=cap))
    for derivative in result.files:
        assert derivative.width * derivative.height <= cap
        assert derivative.width <= width and derivative.height <= height
    assert result.thumbnail.width <= 400 and result.thumbnail.height <= 400
    assert (result.width, result.height) == (width, height)
    _assert_files_match_description(result)


def test_a_cap_smaller_than_the_thumbnail_box_caps_the_thumbnail_too(tmp_path):
    source = save_jpeg(photo_like((1200, 900)), tmp_path / "photo.jpg")
    result = make_derivatives(source, tmp_path / "out", DerivativeSettings(max_federated_pixels=10_000))
    for derivative in result.files:
        assert derivative.width * derivative.height <= 10_000
    assert result.thumbnail.extension == "webp" and result.display_fallback.extension == "jpg"


def test_large_camera_jpeg_gives_webp_and_jpeg_of_the_promised_sizes(tmp_path):
    source = save_jpeg(photo_like((4000, 2667)), tmp_path / "camera.jpg")
    result = make_derivatives(source, tmp_path / "out", DerivativeSettings(max_federated_pixels=1280 * 1280))
    assert (result.display.mime, result.display_fallback.mime) == ("image/webp", "image/jpeg")
    assert (result.thumbnail.mime, result.thumbnail_fallback.mime) == ("image/webp", "image/jpeg")
    assert result.display.width * result.display.height <= 1280 * 1280
    assert result.display.width * result.display.height > 0.95 * 1280 * 1280
    assert max(result.thumbnail.width, result.thumbnail.height) == 400
    assert result.display.byte_size < source.stat().st_size
    assert not result.has_alpha and not result.first_frame_only
    # Same picture: the downscale keeps the colours of the corners.
    original = Image.open(source)
    display = _open(result.display_fallback)
    scale = display.width / original.width
    for x, y in ((200, 200), (3800, 2400)):
        box = (x - 100, y - 100, x + 100, y + 100)
        small_box = tuple(round(v * scale) for v in box)
        assert close_to(mean_colour(display, small_box), mean_colour(original, box), tolerance=8)
    _assert_files_match_description(result)


@pytest.mark.parametrize(
    ("orientation", "top_colour", "bottom_colour"),
    [(6, RED, BLUE), (8, BLUE, RED), (3, None, None), (1, None, None)],
)
def test_exif_orientation_is_applied_to_the_pixels(tmp_path, orientation, top_colour, bottom_colour):
    source = save_jpeg(two_halves((1800, 1200)), tmp_path / "rotated.jpg", orientation=orientation)
    result = make_derivatives(source, tmp_path / "out", DerivativeSettings(max_federated_pixels=400_000))
    for derivative in (result.display, result.display_fallback, result.thumbnail_fallback):
        image = _open(derivative)
        width, height = image.size
        if orientation in (6, 8):
            assert height > width and (result.width, result.height) == (1200, 1800)
            assert close_to(mean_colour(image, (0, 0, width, height // 4)), top_colour)
            assert close_to(mean_colour(image, (0, height * 3 // 4, width, height)), bottom_colour)
        else:
            assert width > height
            left, right = (BLUE, RED) if orientation == 3 else (RED, BLUE)
            assert close_to(mean_colour(image, (0, 0, width // 4, height)), left)
            assert close_to(mean_colour(image, (width * 3 // 4, 0, width, height)), right)
        assert 0x0112 not in image.getexif()  # viewers must not rotate it a second time


@pytest.mark.parametrize("orientation", range(1, 9))
def test_every_exif_orientation_matches_pillows_own_transpose(tmp_path, orientation):
    # Large enough against the cap that the JPEG is decoded at 1/4 scale (draft).
    quadrants = Image.new("RGB", (2400, 1600), (240, 240, 240))
    for index, colour in enumerate((RED, BLUE, (30, 200, 30))):
        left, top = index % 2 * 1200, index // 2 * 800
        quadrants.paste(colour, (left, top, left + 1200, top + 800))
    source = save_jpeg(quadrants, tmp_path / "q.jpg", orientation=orientation)
    expected = ImageOps.exif_transpose(Image.open(source))
    result = make_derivatives(source, tmp_path / "out", DerivativeSettings(max_federated_pixels=50_000))
    display = _open(result.display_fallback)
    assert display.size == fit_pixel_count(*expected.size, 50_000)
    w, h = display.size
    for fx, fy in ((0.25, 0.25), (0.75, 0.25), (0.25, 0.75), (0.75, 0.75)):
        spot = (int(fx * w) - 5, int(fy * h) - 5, int(fx * w) + 5, int(fy * h) + 5)
        reference = (int(fx * expected.width) - 5, int(fy * expected.height) - 5)
        reference_spot = (*reference, reference[0] + 10, reference[1] + 10)
        assert close_to(mean_colour(display, spot), mean_colour(expected, reference_spot))


def test_transparent_png_keeps_its_alpha_in_the_png_fallback(tmp_path):
    image = Image.new("RGBA", (900, 600), (0, 0, 0, 0))
    image.paste(Image.new("RGBA", (450, 600), (*RED, 255)), (0, 0))
    source = tmp_path / "cutout.png"
    image.save(source)
    result = make_derivatives(source, tmp_path / "out")
    assert result.has_alpha
    assert (result.display_fallback.mime, result.thumbnail_fallback.mime) == ("image/png", "image/png")
    for derivative in result.files:
        output = _open(derivative).convert("RGBA")
        assert output.getpixel((5, 5))[3] == 255
        assert output.getpixel((output.width - 5, output.height - 5))[3] == 0


def test_opaque_palette_png_gets_a_jpeg_fallback(tmp_path):
    source = tmp_path / "palette.png"
    two_halves((300, 200)).quantize(4).save(source)
    result = make_derivatives(source, tmp_path / "out")
    fallback = _open(result.display_fallback)
    assert result.display_fallback.mime == "image/jpeg"
    assert close_to(fallback.getpixel((10, 10)), RED) and close_to(fallback.getpixel((290, 10)), BLUE)


@pytest.mark.parametrize("kind", ["grey-alpha png", "transparent gif", "palette png with alpha"])
def test_transparent_grey_and_palette_sources_keep_their_alpha(tmp_path, kind):
    base = Image.new("RGBA", (300, 200), (0, 0, 0, 0))
    base.paste(Image.new("RGBA", (150, 200), (*BLUE, 255)), (0, 0))
    image, name = {
        "grey-alpha png": (base.convert("LA"), "la.png"),
        "transparent gif": (base, "p.gif"),
        "palette png with alpha": (base.quantize(4), "p.png"),
    }[kind]
    source = tmp_path / name
    image.save(source)
    assert Image.open(source).mode in ("LA", "P")
    result = make_derivatives(source, tmp_path / "out")
    fallback = _open(result.display_fallback).convert("RGBA")
    assert result.display_fallback.mime == "image/png"
    assert fallback.getpixel((10, 10))[3] == 255
    assert fallback.getpixel((290, 10))[3] == 0


def test_icc_profile_is_kept_in_every_output(tmp_path):
    profile = srgb_profile_bytes()
    source = tmp_path / "tagged.jpg"
    photo_like((800, 600)).save(source, quality=90, icc_profile=profile)
    result = make_derivatives(source, tmp_path / "out")
    for derivative in result.files:
        assert _open(derivative).info.get("icc_profile") == profile


def test_cmyk_jpeg_becomes_rgb_with_the_right_colour(tmp_path):
    source = tmp_path / "print.jpg"
    Image.new("CMYK", (600, 400), (0, 255, 255, 0)).save(source, quality=95)  # pure red ink mix
    result = make_derivatives(source, tmp_path / "out")
    image = _open(result.display_fallback)
    assert image.mode == "RGB"
    red, green, blue = mean_colour(image)
    assert red > 200 and green < 60 and blue < 60


def test_sixteen_bit_grey_png_is_scaled_not_clipped(tmp_path):
    source = tmp_path / "scan.png"
    Image.new("I;16", (500, 300), 32768).save(source)  # half of 65535
    result = make_derivatives(source, tmp_path / "out")
    grey = mean_colour(_open(result.display_fallback))
    assert all(110 <= channel <= 145 for channel in grey)


def test_grey_line_art_stays_grey_and_sharp_edged(tmp_path):
    source = tmp_path / "ink.png"
    two_halves((1200, 900), left=(0, 0, 0), right=(255, 255, 255)).convert("1").save(source)
    result = make_derivatives(source, tmp_path / "out")
    fallback = _open(result.display_fallback)
    assert (result.display_fallback.mime, fallback.mode) == ("image/jpeg", "L")
    assert fallback.getpixel((10, 10)) < 10 and fallback.getpixel((fallback.width - 10, 10)) > 245


def test_animated_gif_uses_the_first_frame(tmp_path):
    source = tmp_path / "loop.gif"
    frames = [Image.new("RGB", (320, 240), colour) for colour in (RED, BLUE, BLUE)]
    frames[0].save(source, save_all=True, append_images=frames[1:], duration=100, loop=0)
    result = make_derivatives(source, tmp_path / "out")
    assert result.first_frame_only
    assert close_to(mean_colour(_open(result.display)), RED)
    assert getattr(_open(result.display), "n_frames", 1) == 1


def test_xmp_rights_packet_is_embedded_in_every_output(tmp_path):
    xmp = (
        b'<?xpacket begin="\xef\xbb\xbf" id="W5M0MpCehiHzreSzNTczkc9d"?>'
        b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        b'<rdf:Description rdf:about="" xmlns:plus="http://ns.useplus.org/ldf/xmp/1.0/">'
        b"<plus:DataMining>http://ns.useplus.org/ldf/vocab/DMI-PROHIBITED-AIMLTRAINING</plus:DataMining>"
        b'</rdf:Description></rdf:RDF></x:xmpmeta><?xpacket end="w"?>'
    )
    opaque = save_jpeg(photo_like((600, 400)), tmp_path / "opaque.jpg")
    transparent = tmp_path / "transparent.png"
    Image.new("RGBA", (600, 400), (10, 200, 10, 100)).save(transparent)
    for index, source in enumerate((opaque, transparent)):
        result = make_derivatives(source, tmp_path / f"out{index}", xmp=xmp)
        for derivative in result.files:
            assert b"DMI-PROHIBITED-AIMLTRAINING" in derivative.path.read_bytes()


def test_focal_point_is_validated_and_passed_through(tmp_path):
    source = save_jpeg(photo_like((300, 200)), tmp_path / "a.jpg")
    result = make_derivatives(source, tmp_path / "out", focal_point=FocalPoint(-0.5, 0.25))
    assert result.focal_point == FocalPoint(-0.5, 0.25)
    assert make_derivatives(source, tmp_path / "out2").focal_point == FocalPoint(0.0, 0.0)
    for x, y in ((1.5, 0), (0, -1.01), (float("nan"), 0), ("0.5", 0)):
        with pytest.raises(ValueError, match="focal point"):
            FocalPoint(x, y)


def test_settings_reject_nonsense():
    with pytest.raises(ValueError):
        DerivativeSettings(max_federated_pixels=100)
    with pytest.raises(ValueError):
        DerivativeSettings(webp_quality=0)
    with pytest.raises(ValueError):
        DerivativeSettings(thumbnail_box=(400, 4))


def test_thumbnail_box_fits_inside():
    assert fit_box(6000, 4000, (400, 400)) == (400, 267)
    assert fit_box(100, 50, (400, 400)) == (100, 50)
    assert fit_box(1, 10_000, (400, 400)) == (1, 400)


def test_not_an_image_gives_a_clear_error(tmp_path):
    source = tmp_path / "notes.jpg"
    source.write_text("not a picture")
    with pytest.raises(Image.UnidentifiedImageError):
        make_derivatives(source, tmp_path / "out")


async def test_maker_makes_derivatives_off_the_event_loop(tmp_path):
    sources = [save_jpeg(photo_like((1200, 800)), tmp_path / f"{n}.jpg") for n in range(3)]
    maker = DerivativeMaker(DerivativeSettings(), concurrency=2)
    results = await asyncio.gather(*(maker.make(source, tmp_path / f"out{n}") for n, source in enumerate(sources)))
    assert [r.width for r in results] == [1200] * 3
    assert all(r.display.path.parent == tmp_path / f"out{n}" for n, r in enumerate(results))
    with pytest.raises(ValueError):
        DerivativeMaker(DerivativeSettings(), concurrency=0)


def _writer_if_read(fifo: Path) -> int | None:
    """A write end of the pipe if some decode has opened it for reading, else None."""
    try:
        return os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
    except OSError as error:
        if error.errno == errno.ENXIO:
            return None
        raise


async def _writer_once_read(fifo: Path) -> int:
    while (writer := _writer_if_read(fifo)) is None:
        await asyncio.sleep(0.01)
    return writer


async def test_maker_never_decodes_more_than_its_limit_at_once(tmp_path):
    # Each source is a named pipe: a job blocks in its decode until the test writes to it,
    # and the test can see which pipes have a reader, i.e. which decodes have started.
    fifos = [tmp_path / f"upload{n}" for n in range(2)]
    for fifo in fifos:
        os.mkfifo(fifo)
    maker = DerivativeMaker(DerivativeSettings(), concurrency=1)
    jobs = [asyncio.create_task(maker.make(fifo, tmp_path / f"out-{fifo.name}")) for fifo in fifos]

    first = await _writer_once_read(fifos[0])
    for _ in range(20):
        await asyncio.sleep(0)
    assert _writer_if_read(fifos[1]) is None  # the second decode waits for the only slot
    os.write(first, b"garbage, not an image")
    os.close(first)
    second = await _writer_once_read(fifos[1])  # the first job failed, freeing the slot
    os.write(second, b"more garbage")
    os.close(second)
    outcomes = await asyncio.gather(*jobs, return_exceptions=True)
    assert all(isinstance(outcome, Exception) for outcome in outcomes)


def _flat_illustration(size=(1800, 1200)) -> Image.Image:
    """Hard-edged shapes in a few colours on transparency: what compresses best as PNG."""
    from PIL import ImageDraw

    image = Image.new("RGBA", size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.ellipse((100, 100, 1100, 1000), fill=(*RED, 255))
    draw.rectangle((800, 300, 1700, 1100), fill=(*BLUE, 255))
    draw.polygon([(200, 1150), (900, 150), (1600, 1150)], fill=(250, 200, 40, 255))
    return image


@pytest.mark.parametrize("kind", ["flat illustration", "single colour", "photo"])
def test_the_display_image_never_weighs_more_than_the_upload(tmp_path, kind):
    source = tmp_path / "upload.png"
    image = {"flat illustration": _flat_illustration(), "single colour": Image.new("RGB", (1800, 1200), RED),
             "photo": photo_like((1800, 1200))}[kind]
    image.save(source, optimize=True)
    xmp = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF/></x:xmpmeta>'
    result = make_derivatives(source, tmp_path / "out", DerivativeSettings(max_federated_pixels=600_000), xmp=xmp)
    assert result.display.byte_size <= source.stat().st_size
    shown = _open(result.display)
    assert shown.width * shown.height <= 600_000
    assert b"adobe:ns:meta" in result.display.path.read_bytes()  # the rights statement travels with it
    if kind == "flat illustration":  # still the same picture: the shapes' colours where they were
        upright = shown.convert("RGBA")
        assert upright.getpixel((5, 5))[3] == 0  # the transparent corner stays transparent
        w, h = upright.size
        assert close_to(mean_colour(upright.convert("RGB"), (int(w * 0.7), int(h * 0.45), int(w * 0.75), int(h * 0.5))),
                        BLUE)
