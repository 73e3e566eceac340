"""Visible watermark: marks the chosen place, scaled to the image, configurable per artist."""

from __future__ import annotations

import pytest
from PIL import Image, ImageChops

from media.derivatives import DerivativeSettings, make_derivatives
from media.watermark import WATERMARK_POSITIONS, WatermarkSettings, apply_watermark
from tests.media.images import save_jpeg

GREY = (128, 128, 128)
OPPOSITE = {
    "top-left": "bottom-right",
    "top-right": "bottom-left",
    "bottom-left": "top-right",
    "bottom-right": "top-left",
}


def _region(image: Image.Image, place: str) -> tuple[int, int, int, int]:
    w, h = image.size
    if place == "center":
        return (w // 3, h // 3, 2 * w // 3, 2 * h // 3)
    vertical, horizontal = place.split("-")
    left = 0 if horizontal == "left" else w // 2
    top = 0 if vertical == "top" else h // 2
    return (left, top, left + w // 2, top + h // 2)


def _changed_pixels(before: Image.Image, after: Image.Image, box) -> int:
    difference = ImageChops.difference(before.crop(box).convert("RGB"), after.crop(box).convert("RGB"))
    return sum(1 for pixel in difference.convert("L").get_flattened_data() if pixel > 20)


@pytest.mark.parametrize("position", [p for p in WATERMARK_POSITIONS if p != "center"])
def test_marks_the_configured_corner_and_not_the_opposite_one(position):
    plain = Image.new("RGB", (800, 600), GREY)
    mark = WatermarkSettings(enabled=True, text="© Ada Artist", position=position, opacity=0.8)
    marked = apply_watermark(plain, mark)
    assert marked.size == plain.size and marked.mode == "RGB"
    assert _changed_pixels(plain, marked, _region(plain, position)) > 500
    assert _changed_pixels(plain, marked, _region(plain, OPPOSITE[position])) == 0


def test_center_position_marks_the_middle_only():
    plain = Image.new("RGB", (800, 600), GREY)
    marked = apply_watermark(plain, WatermarkSettings(enabled=True, text="Ada", position="center", opacity=1.0))
    assert _changed_pixels(plain, marked, _region(plain, "center")) > 200
    w, h = plain.size
    for left, top in ((0, 0), (3 * w // 4, 0), (0, 3 * h // 4), (3 * w // 4, 3 * h // 4)):
        corner = (left, top, left + w // 4, top + h // 4)
        assert _changed_pixels(plain, marked, corner) == 0


def test_text_grows_with_the_image():
    def marked_area(size):
        plain = Image.new("RGB", size, GREY)
        marked = apply_watermark(plain, WatermarkSettings(enabled=True, text="Ada", opacity=1.0))
        return _changed_pixels(plain, marked, (0, 0, *size))

    small, large = marked_area((400, 300)), marked_area((1600, 1200))
    assert large > 8 * small  # four times the sides: about sixteen times the area


def test_opacity_controls_how_strong_the_mark_is():
    plain = Image.new("RGB", (600, 400), (0, 0, 0))
    faint = apply_watermark(plain, WatermarkSettings(enabled=True, text="Ada", opacity=0.2))
    strong = apply_watermark(plain, WatermarkSettings(enabled=True, text="Ada", opacity=1.0))
    assert max(faint.convert("L").get_flattened_data()) < 80
    assert max(strong.convert("L").get_flattened_data()) > 240
    invisible = apply_watermark(plain, WatermarkSettings(enabled=True, text="Ada", opacity=0.0))
    assert ImageChops.difference(plain, invisible).getbbox() is None


def test_disabled_watermark_changes_nothing_and_keeps_alpha():
    image = Image.new("RGBA", (300, 200), (10, 20, 30, 0))
    assert apply_watermark(image, WatermarkSettings()) is image
    marked = apply_watermark(image, WatermarkSettings(enabled=True, text="Ada"))
    assert marked.mode == "RGBA"


def test_artist_override_replaces_the_instance_default_and_is_validated():
    instance = WatermarkSettings(enabled=True, text="art.example", position="bottom-right", opacity=0.4)
    artist = instance.overridden(text="© Ada", position="top-left")
    assert (artist.text, artist.position, artist.opacity) == ("© Ada", "top-left", 0.4)
    assert instance.text == "art.example"
    with pytest.raises(ValueError, match="opacity"):
        instance.overridden(opacity=1.5)
    with pytest.raises(ValueError, match="position"):
        instance.overridden(position="upper-left")
    with pytest.raises(ValueError, match="text"):
        WatermarkSettings(enabled=True, text="  ")


def test_derivatives_carry_the_watermark_in_the_corner(tmp_path):
    source = save_jpeg(Image.new("RGB", (2000, 1500), GREY), tmp_path / "flat.jpg")
    mark = WatermarkSettings(enabled=True, text="© Ada Artist", position="bottom-left", opacity=0.9)
    sizes = DerivativeSettings(max_federated_pixels=1_000_000)
    plain = make_derivatives(source, tmp_path / "plain", sizes)
    marked = make_derivatives(source, tmp_path / "marked", sizes, watermark=mark)
    for before, after in zip(plain.files, marked.files):
        before_image, after_image = Image.open(before.path), Image.open(after.path)
        assert _changed_pixels(before_image, after_image, _region(before_image, "bottom-left")) > 100
        assert _changed_pixels(before_image, after_image, _region(before_image, "top-right")) == 0
