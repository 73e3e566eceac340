"""Real image files for the media tests, generated with Pillow."""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageCms, ImageDraw

RED = (220, 30, 30)
BLUE = (30, 30, 220)


def photo_like(size: tuple[int, int]) -> Image.Image:
    """Smooth gradients with noise, roughly what a camera produces."""
    width, height = size
    horizontal = Image.linear_gradient("L").resize(size)
    vertical = Image.linear_gradient("L").rotate(90).resize(size)
    noise = Image.effect_noise(size, 40).point(lambda value: value // 3 + 60)
    return Image.merge("RGB", (horizontal, vertical, noise))


def two_halves(size: tuple[int, int], left=RED, right=BLUE) -> Image.Image:
    """Left half one colour, right half another: shows any rotation or flip."""
    image = Image.new("RGB", size, right)
    ImageDraw.Draw(image).rectangle((0, 0, size[0] // 2 - 1, size[1] - 1), fill=left)
    return image


def save_jpeg(image: Image.Image, path: Path, *, orientation: int | None = None, **options) -> Path:
    exif = Image.Exif()
    if orientation is not None:
        exif[0x0112] = orientation
    image.save(path, "JPEG", quality=92, exif=exif.tobytes(), **options)
    return path


def srgb_profile_bytes() -> bytes:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def mean_colour(image: Image.Image, box: tuple[int, int, int, int] | None = None) -> tuple[float, ...]:
    region = image.crop(box) if box else image
    pixels = list(region.convert("RGB").get_flattened_data())
    return tuple(sum(channel) / len(pixels) for channel in zip(*pixels))


def close_to(actual, expected, tolerance: float = 25) -> bool:
    return all(abs(a - e) <= tolerance for a, e in zip(actual, expected))
