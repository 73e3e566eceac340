"""BlurHash encoder: a short string that clients paint as a blurred placeholder.

Mastodon and other fediverse clients show the ``blurhash`` of an attachment while the
image loads. The encoder works on a tiny RGB image (about 32x32 pixels is plenty): it
takes a few cosine components of the picture in linear light and packs them in base 83.
"""

from __future__ import annotations

import math

from PIL import Image

_BASE83_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz#$%*+,-.:;=?@[]^_{|}~"

# sRGB byte value -> linear light, computed once.
_SRGB_TO_LINEAR = [
    (v / 255) / 12.92 if v / 255 <= 0.04045 else (((v / 255) + 0.055) / 1.055) ** 2.4 for v in range(256)
]


def _base83(value: int, length: int) -> str:
    digits = []
    for _ in range(length):
        value, digit = divmod(value, 83)
        digits.append(_BASE83_ALPHABET[digit])
    return "".join(reversed(digits))


def _linear_to_srgb_byte(value: float) -> int:
    v = min(max(value, 0.0), 1.0)
    srgb = v * 12.92 if v <= 0.0031308 else 1.055 * v ** (1 / 2.4) - 0.055
    return int(srgb * 255 + 0.5)


def _signed_pow(value: float, exponent: float) -> float:
    return math.copysign(abs(value) ** exponent, value)


def encode_blurhash(image: Image.Image, x_components: int = 4, y_components: int = 3) -> str:
    """Return the BlurHash of ``image`` (converted to RGB; use a tiny image, e.g. 32x32)."""
    if not (1 <= x_components <= 9 and 1 <= y_components <= 9):
        raise ValueError("blurhash components must be between 1 and 9")
    rgb = image if image.mode == "RGB" else image.convert("RGB")
    width, height = rgb.size
    linear = [tuple(_SRGB_TO_LINEAR[c] for c in pixel) for pixel in rgb.get_flattened_data()]

    cos_x = [[math.cos(math.pi * i * x / width) for x in range(width)] for i in range(x_components)]
    cos_y = [[math.cos(math.pi * j * y / height) for y in range(height)] for j in range(y_components)]

    factors: list[tuple[float, float, float]] = []
    for j in range(y_components):
        for i in range(x_components):
            normalisation = 1.0 if i == j == 0 else 2.0
            r = g = b = 0.0
            for y in range(height):
                row = y * width
                cy = cos_y[j][y]
                cxs = cos_x[i]
                for x in range(width):
                    basis = cxs[x] * cy
                    pr, pg, pb = linear[row + x]
                    r += basis * pr
                    g += basis * pg
                    b += basis * pb
            scale = normalisation / (width * height)
            factors.append((r * scale, g * scale, b * scale))

    dc, ac = factors[0], factors[1:]
    parts = [_base83((x_components - 1) + (y_components - 1) * 9, 1)]
    if ac:
        actual_max = max(abs(channel) for factor in ac for channel in factor)
        quantised_max = max(0, min(82, int(actual_max * 166 - 0.5)))
        max_value = (quantised_max + 1) / 166
        parts.append(_base83(quantised_max, 1))
    else:
        max_value = 1.0
        parts.append(_base83(0, 1))
    parts.append(_base83(
        (_linear_to_srgb_byte(dc[0]) << 16) + (_linear_to_srgb_byte(dc[1]) << 8) + _linear_to_srgb_byte(dc[2]), 4
    ))
    for factor in ac:
        quantised = [
            max(0, min(18, int(math.floor(_signed_pow(channel / max_value, 0.5) * 9 + 9.5)))) for channel in factor
        ]
        parts.append(_base83(quantised[0] * 19 * 19 + quantised[1] * 19 + quantised[2], 2))
    return "".join(parts)
