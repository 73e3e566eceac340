"""Blurhash placeholders that need no JavaScript: a tiny PNG as a data URI for CSS.

A page paints each image's blurhash as the background of its frame, so the grid has
its colours and shapes before (or without) the image arriving. The hash is decoded here
into a few pixels (the browser's smooth scaling does the blurring) and kept in a small
cache, since the same works are shown again and again.
"""

from __future__ import annotations

import base64
import io
import math
from functools import lru_cache

from PIL import Image

_BASE83 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz#$%*+,-.:;=?@[]^_{|}~"
_DIGIT = {character: value for value, character in enumerate(_BASE83)}
PIXELS = 6


def _decode83(text: str) -> int:
    value = 0
    for character in text:
        value = value * 83 + _DIGIT[character]
    return value


def _to_linear(value: int) -> float:
    v = value / 255
    return v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4


def _to_srgb(value: float) -> int:
    v = max(0.0, min(1.0, value))
    return round((v * 12.92 if v <= 0.0031308 else 1.055 * v ** (1 / 2.4) - 0.055) * 255)


def _sign_pow(value: float, exponent: float) -> float:
    return math.copysign(abs(value) ** exponent, value)


def decode(blurhash: str, width: int = PIXELS, height: int = PIXELS) -> list[tuple[int, int, int]]:
    """The ``width`` x ``height`` RGB pixels a blurhash describes; ValueError if malformed."""
    if len(blurhash) < 6 or any(character not in _DIGIT for character in blurhash):
        raise ValueError("not a blurhash")
    size = _DIGIT[blurhash[0]]
    columns, rows = size % 9 + 1, size // 9 + 1
    if len(blurhash) != 4 + 2 * columns * rows:
        raise ValueError("blurhash length does not match its component count")
    maximum = (_DIGIT[blurhash[1]] + 1) / 166
    dc = _decode83(blurhash[2:6])
    colours = [(_to_linear(dc >> 16), _to_linear((dc >> 8) & 255), _to_linear(dc & 255))]
    for index in range(1, columns * rows):
        value = _decode83(blurhash[4 + index * 2 : 6 + index * 2])
        colours.append(tuple(_sign_pow((part - 9) / 9, 2.0) * maximum for part in (value // 361, value // 19 % 19, value % 19)))
    pixels = []
    for y in range(height):
        for x in range(width):
            r = g = b = 0.0
            for j in range(rows):
                for i in range(columns):
                    basis = math.cos(math.pi * x * i / width) * math.cos(math.pi * y * j / height)
                    colour = colours[i + j * columns]
                    r += colour[0] * basis
                    g += colour[1] * basis
                    b += colour[2] * basis
            pixels.append((_to_srgb(r), _to_srgb(g), _to_srgb(b)))
    return pixels


@lru_cache(maxsize=4096)
def placeholder_uri(blurhash: str | None) -> str | None:
    """A ``data:image/png`` URI of the blurhash's pixels, or None when there is no valid hash."""
    if not blurhash:
        return None
    try:
        pixels = decode(blurhash)
    except ValueError:
        return None
    image = Image.new("RGB", (PIXELS, PIXELS))
    image.putdata(pixels)
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode("ascii")
