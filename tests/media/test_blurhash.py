"""BlurHash: the placeholder clients paint must look like the picture."""

from __future__ import annotations

import blurhash as reference  # independent pure-Python implementation, test-only
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from media.blurhash import encode_blurhash
from media.derivatives import make_derivatives
from tests.media.images import BLUE, RED, close_to, mean_colour, photo_like, save_jpeg, two_halves

_BASE83 = set("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz#$%*+,-.:;=?@[]^_{|}~")


def _rows(image: Image.Image) -> list[list[list[int]]]:
    pixels = list(image.get_flattened_data())
    return [[list(pixels[y * image.width + x]) for x in range(image.width)] for y in range(image.height)]


def _decode(hash_: str, width: int, height: int) -> Image.Image:
    rows = reference.decode(hash_, width, height)
    image = Image.new("RGB", (width, height))
    image.putdata([tuple(int(round(c)) for c in pixel[:3]) for row in rows for pixel in row])
    return image


@settings(max_examples=40, deadline=None)
@given(
    width=st.integers(1, 24),
    height=st.integers(1, 24),
    x_components=st.integers(1, 9),
    y_components=st.integers(1, 9),
    seed=st.integers(0, 2**16),
)
def test_matches_an_independent_encoder(width, height, x_components, y_components, seed):
    image = Image.effect_noise((width, height), 60 + seed % 50).convert("RGB")
    image = Image.merge("RGB", (image.getchannel(0), image.rotate(seed % 360).getchannel(0), image.getchannel(2)))
    ours = encode_blurhash(image, x_components, y_components)
    assert ours == reference.encode(_rows(image), x_components, y_components)
    assert len(ours) == 4 + 2 * x_components * y_components
    assert set(ours) <= _BASE83


def test_flat_colour_decodes_to_that_colour():
    hash_ = encode_blurhash(Image.new("RGB", (32, 32), (40, 160, 90)))
    assert close_to(mean_colour(_decode(hash_, 16, 16)), (40, 160, 90), tolerance=2)


def test_two_colour_picture_decodes_with_colours_on_the_right_sides():
    hash_ = encode_blurhash(two_halves((32, 32)), 4, 3)
    decoded = _decode(hash_, 32, 32)
    assert close_to(mean_colour(decoded, (0, 0, 8, 32)), RED, tolerance=40)
    assert close_to(mean_colour(decoded, (24, 0, 32, 32)), BLUE, tolerance=40)


def test_component_counts_are_checked():
    with pytest.raises(ValueError):
        encode_blurhash(Image.new("RGB", (4, 4)), 0, 3)
    with pytest.raises(ValueError):
        encode_blurhash(Image.new("RGB", (4, 4)), 4, 10)


def test_derivative_set_blurhash_is_four_by_three_and_resembles_the_upload(tmp_path):
    source = save_jpeg(photo_like((1500, 1000)), tmp_path / "photo.jpg")
    result = make_derivatives(source, tmp_path / "out")
    assert len(result.blurhash) == 28 and result.blurhash[0] == "L"  # 4x3 components
    decoded = _decode(result.blurhash, 30, 20)
    assert close_to(mean_colour(decoded), mean_colour(Image.open(source)), tolerance=20)


def test_transparent_areas_are_treated_as_white_not_black(tmp_path):
    source = tmp_path / "sticker.png"
    Image.new("RGBA", (200, 200), (0, 0, 0, 0)).save(source)
    result = make_derivatives(source, tmp_path / "out")
    assert close_to(mean_colour(_decode(result.blurhash, 8, 8)), (255, 255, 255), tolerance=3)
