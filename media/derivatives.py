"""The images that leave the server, made from one validated upload in one decode.

From a source file we make a display image (never more than ``max_federated_pixels``
pixels) and a thumbnail, each as WebP plus a fallback every client can read (JPEG for
opaque images, PNG when there is transparency), and the blurhash, size and focal point
that go into the attachment. JPEG sources are decoded once at a reduced DCT scale
(``draft``) that keeps ``decode_oversampling`` (default 1) times the largest output's
sides, then resized with LANCZOS.

EXIF orientation is applied to the pixels; the ICC profile is kept (CMYK and grey images
with a profile are converted to sRGB instead); palette, grey, 16-bit, CMYK and alpha
sources become L, RGB or RGBA. For animated images (GIF, APNG, animated WebP) the
derivatives show the first frame only.

``DerivativeMaker`` runs the CPU work in a thread and bounds how many decodes run at once.
"""

from __future__ import annotations

import asyncio
import io
import math
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image, ImageCms
from PIL.PngImagePlugin import PngInfo

from media.blurhash import encode_blurhash
from media.watermark import WatermarkSettings, apply_watermark

_EXIF_ORIENTATION = 0x0112
_SIDEWAYS_ORIENTATIONS = {5, 6, 7, 8}
_ORIENTATION_TRANSPOSE = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
_BLURHASH_SAMPLE_SIZE = (32, 32)
# A source with at most this many colours counts as flat art (palette candidates tried).
_FLAT_COLOURS = 256
# Lossy WebP qualities tried, in order, when the display image would outweigh the upload.
_SMALLER_QUALITIES = (65, 50, 35, 20)


@dataclass(frozen=True)
class DerivativeSettings:
    """Sizes and encoder qualities for the derivatives of one instance.

    A refused value raises ``ValueError("<field>: <reason>")``.
    """

    max_federated_pixels: int = 1280 * 1280
    thumbnail_box: tuple[int, int] = (400, 400)
    webp_quality: int = 80
    jpeg_quality: int = 85
    # JPEG sources are decoded at the smallest DCT scale (1/2, 1/4, 1/8) that still has this
    # many times the pixels per side of the largest output; the rest is done by LANCZOS.
    decode_oversampling: float = 1.0

    def __post_init__(self) -> None:
        if self.max_federated_pixels < 64 * 64:
            raise ValueError("max_federated_pixels: must be at least 4096 (64x64)")
        if len(self.thumbnail_box) != 2 or min(self.thumbnail_box) < 16:
            raise ValueError("thumbnail_box: must be two sides of at least 16 pixels")
        if not 1.0 <= self.decode_oversampling <= 8.0:
            raise ValueError("decode_oversampling: must be between 1 and 8")
        for name in ("webp_quality", "jpeg_quality"):
            if not 1 <= getattr(self, name) <= 100:
                raise ValueError(f"{name}: must be between 1 and 100")


@dataclass(frozen=True)
class FocalPoint:
    """Where the subject is, as Mastodon's focalPoint: x and y in -1..1, (0, 0) the center, y up."""

    x: float = 0.0
    y: float = 0.0

    def __post_init__(self) -> None:
        for name, value in (("x", self.x), ("y", self.y)):
            if not isinstance(value, (int, float)) or not math.isfinite(value) or not -1.0 <= value <= 1.0:
                raise ValueError(f"focal point {name} must be a number between -1 and 1, not {value!r}")


@dataclass(frozen=True)
class Derivative:
    """One written output file."""

    role: str  # "display" or "thumbnail"
    path: Path
    mime: str
    width: int
    height: int
    byte_size: int

    @property
    def extension(self) -> str:
        """File extension without the dot, as ``content_key`` takes it."""
        return self.path.suffix.lstrip(".")


@dataclass(frozen=True)
class DerivativeSet:
    """Everything made from one source; ``width``/``height`` are the upright source size."""

    display: Derivative
    display_fallback: Derivative | None  # None when asked for no fallbacks
    thumbnail: Derivative
    thumbnail_fallback: Derivative | None
    blurhash: str
    width: int
    height: int
    focal_point: FocalPoint
    has_alpha: bool
    first_frame_only: bool
    files: tuple[Derivative, ...] = field(init=False)

    def __post_init__(self) -> None:
        made = (self.display, self.display_fallback, self.thumbnail, self.thumbnail_fallback)
        object.__setattr__(self, "files", tuple(file for file in made if file is not None))


def fit_pixel_count(width: int, height: int, max_pixels: int) -> tuple[int, int]:
    """Largest size with the same aspect ratio and at most ``max_pixels`` pixels (never upscaled)."""
    if width * height <= max_pixels:
        return width, height
    scale = math.sqrt(max_pixels / (width * height))
    new_width = max(1, min(width, math.floor(width * scale)))
    new_height = max(1, min(height, math.floor(height * scale)))
    # Rounding a side up to 1 on extreme ratios can overshoot; shrink the long side until it fits.
    while new_width * new_height > max_pixels:
        if new_width >= new_height:
            new_width -= 1
        else:
            new_height -= 1
    return new_width, new_height


def fit_box(width: int, height: int, box: tuple[int, int]) -> tuple[int, int]:
    """Largest size with the same aspect ratio inside ``box`` (never upscaled)."""
    scale = min(box[0] / width, box[1] / height, 1.0)
    return max(1, min(box[0], round(width * scale))), max(1, min(box[1], round(height * scale)))


def decode_size(width: int, height: int, orientation: int, settings: DerivativeSettings) -> tuple[int, int]:
    """The smallest decode (stored orientation) the derivatives of a ``width`` x ``height``
    image need: ``decode_oversampling`` times the largest output's sides. A JPEG decoder
    given this as its ``draft`` picks the smallest DCT scale at least this large."""
    sideways = orientation in _SIDEWAYS_ORIENTATIONS
    upright = (height, width) if sideways else (width, height)
    display_size = fit_pixel_count(*upright, settings.max_federated_pixels)
    thumbnail_size = fit_pixel_count(*fit_box(*upright, settings.thumbnail_box), settings.max_federated_pixels)
    largest = max(display_size, thumbnail_size, key=lambda size: size[0] * size[1])
    wanted = tuple(math.ceil(side * settings.decode_oversampling) for side in largest)
    return (wanted[1], wanted[0]) if sideways else (wanted[0], wanted[1])


def make_derivatives(
    source: Path,
    out_dir: Path,
    settings: DerivativeSettings = DerivativeSettings(),
    *,
    focal_point: FocalPoint = FocalPoint(),
    watermark: WatermarkSettings | None = None,
    xmp: bytes | None = None,
    fallbacks: bool = True,
    decoded: Image.Image | None = None,
    source_size: tuple[int, int] | None = None,
) -> DerivativeSet:
    """Decode ``source`` once and write the display image and thumbnail into ``out_dir``.

    ``xmp`` (a complete XMP packet, e.g. the rights statement) is embedded in every output.
    ``fallbacks=False`` writes the WebP files only (remote media: nothing serves a fallback).
    ``decoded`` is the source's first frame when the caller has already decoded it (at
    `decode_size`, through ``draft`` for JPEG), with ``source_size`` its full stored size;
    then ``source`` is not opened again.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    original_bytes = source.stat().st_size
    if decoded is not None:
        return _from_decoded(decoded, source_size or decoded.size, out_dir, settings, focal_point, watermark, xmp,
                             original_bytes, fallbacks)
    with Image.open(source) as original:
        orientation = original.getexif().get(_EXIF_ORIENTATION, 1)
        stored_size = original.size
        if original.format == "JPEG":
            original.draft(None, decode_size(*stored_size, orientation, settings))
        return _from_decoded(original, stored_size, out_dir, settings, focal_point, watermark, xmp, original_bytes,
                             fallbacks)


def _from_decoded(
    original: Image.Image,
    stored_size: tuple[int, int],
    out_dir: Path,
    settings: DerivativeSettings,
    focal_point: FocalPoint,
    watermark: WatermarkSettings | None,
    xmp: bytes | None,
    original_bytes: int,
    fallbacks: bool,
) -> DerivativeSet:
    first_frame_only = getattr(original, "n_frames", 1) > 1
    orientation = original.getexif().get(_EXIF_ORIENTATION, 1)
    sideways = orientation in _SIDEWAYS_ORIENTATIONS
    upright = stored_size[::-1] if sideways else stored_size
    display_size = fit_pixel_count(*upright, settings.max_federated_pixels)
    thumbnail_size = fit_pixel_count(*fit_box(*upright, settings.thumbnail_box), settings.max_federated_pixels)

    image, icc_profile = _normalise_mode(original, original.info.get("icc_profile"))
    if orientation in _ORIENTATION_TRANSPOSE:
        image = image.transpose(_ORIENTATION_TRANSPOSE[orientation])
    # Flat art (few colours, hard edges) compresses better as a palette image than as a photo.
    flat = image.mode != "L" and image.getcolors(_FLAT_COLOURS) is not None

    display = _resize(image, display_size)
    del image
    thumbnail = _resize(display, thumbnail_size) if display_size != thumbnail_size else display
    blurhash = encode_blurhash(_flatten(thumbnail.resize(_BLURHASH_SAMPLE_SIZE, Image.Resampling.BOX)))

    mark = watermark or WatermarkSettings()
    display = apply_watermark(display, mark)
    thumbnail = apply_watermark(thumbnail, mark)
    has_alpha = display.mode == "RGBA"

    writer = _Writer(out_dir, settings, icc_profile, xmp)
    return DerivativeSet(
        display=writer.display(display, flat=flat, original_bytes=original_bytes),
        display_fallback=writer.fallback("display", display) if fallbacks else None,
        thumbnail=writer.webp("thumbnail", thumbnail),
        thumbnail_fallback=writer.fallback("thumbnail", thumbnail) if fallbacks else None,
        blurhash=blurhash,
        width=upright[0],
        height=upright[1],
        focal_point=focal_point,
        has_alpha=has_alpha,
        first_frame_only=first_frame_only,
    )


class DerivativeMaker:
    """Runs ``make_derivatives`` in worker threads, at most ``concurrency`` decodes at once."""

    def __init__(self, settings: DerivativeSettings, concurrency: int) -> None:
        if concurrency < 1:
            raise ValueError("concurrency: must be at least 1")
        self.settings = settings
        self._slots = asyncio.Semaphore(concurrency)

    async def run(self, function, /, *args, **kwargs):
        """Run other CPU work (provenance reading, lossless rewriting) in the same slots."""
        async with self._slots:
            return await asyncio.to_thread(function, *args, **kwargs)

    async def make(
        self,
        source: Path,
        out_dir: Path,
        *,
        focal_point: FocalPoint = FocalPoint(),
        watermark: WatermarkSettings | None = None,
        xmp: bytes | None = None,
        fallbacks: bool = True,
        decoded: Image.Image | None = None,
        source_size: tuple[int, int] | None = None,
    ) -> DerivativeSet:
        async with self._slots:
            return await asyncio.to_thread(
                make_derivatives,
                source,
                out_dir,
                self.settings,
                focal_point=focal_point,
                watermark=watermark,
                xmp=xmp,
                fallbacks=fallbacks,
                decoded=decoded,
                source_size=source_size,
            )


def _normalise_mode(image: Image.Image, icc_profile: bytes | None) -> tuple[Image.Image, bytes | None]:
    """Decode to L, RGB or RGBA; returns the image and the ICC profile that now applies."""
    mode = image.mode
    if mode.startswith("I;16") or mode == "I":
        # 16-bit grey: scale to 8 bits instead of clipping everything above 255 to white.
        image = image.convert("I").point(lambda value: value * (1 / 256)).convert("L")
    elif mode in ("1", "F"):
        image = image.convert("L")
    if image.mode in ("CMYK", "L") and icc_profile and "transparency" not in image.info:
        # WebP stores RGB only, and a CMYK or grey profile cannot describe RGB pixels.
        try:
            source_profile = ImageCms.ImageCmsProfile(io.BytesIO(icc_profile))
            srgb = ImageCms.createProfile("sRGB")
            return ImageCms.profileToProfile(image, source_profile, srgb, outputMode="RGB"), None
        except ImageCms.PyCMSError:
            icc_profile = None  # unreadable profile: convert without colour management
    if image.mode == "CMYK":
        return image.convert("RGB"), None
    if image.mode in ("L", "LA", "La"):
        icc_profile = None  # any grey profile left cannot describe the RGB(A) pixels made from here
    if image.mode in ("P", "PA", "LA", "La", "RGBa") or "transparency" in image.info:
        converted = image.convert("RGBA")
    elif image.mode in ("L", "RGB", "RGBA"):
        image.load()
        converted = image
    else:  # "YCbCr", "LAB", "HSV"
        converted = image.convert("RGB")
    if converted.mode == "RGBA" and converted.getchannel("A").getextrema()[0] == 255:
        converted = converted.convert("RGB")  # fully opaque: no need for PNG fallbacks
    return converted, icc_profile


def _resize(image: Image.Image, size: tuple[int, int]) -> Image.Image:
    if image.size == size:
        return image
    return image.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)


def _flatten(image: Image.Image) -> Image.Image:
    """RGB over white, so transparent areas do not turn the placeholder black."""
    if image.mode != "RGBA":
        return image
    background = Image.new("RGBA", image.size, (255, 255, 255, 255))
    background.alpha_composite(image)
    return background.convert("RGB")


class _Writer:
    def __init__(self, out_dir: Path, settings: DerivativeSettings, icc_profile: bytes | None, xmp: bytes | None):
        self.out_dir = out_dir
        self.settings = settings
        self.icc_profile = icc_profile
        self.xmp = xmp

    def display(self, image: Image.Image, *, flat: bool, original_bytes: int) -> Derivative:
        """The image a viewer downloads: the smallest of the candidates, never more bytes
        than the upload. Lossy WebP always; for flat art also the display quantised to a
        palette (at most 256 colours, anti-aliasing kept) as lossless WebP and as PNG. When
        even the smallest outweighs the upload: lower WebP qualities, then fewer pixels."""
        candidates = [self._encoded(image, "webp", "WEBP", {"quality": self.settings.webp_quality, "method": 4})]
        if flat:
            palette = image.quantize(256, method=Image.Quantize.FASTOCTREE if image.mode == "RGBA" else None,
                                     dither=Image.Dither.NONE)
            candidates.append(self._encoded(palette.convert(image.mode), "webp", "WEBP",
                                            {"lossless": True, "quality": 80, "method": 4}))
            candidates.append(self._encoded(palette, "png", "PNG", self._png_options(), xmp_option=False))
        best = min(candidates, key=lambda candidate: len(candidate[2]))
        shrunk = image
        while len(best[2]) > original_bytes:
            for quality in _SMALLER_QUALITIES:
                best = self._encoded(shrunk, "webp", "WEBP", {"quality": quality, "method": 4})
                if len(best[2]) <= original_bytes:
                    break
            else:
                if min(shrunk.size) <= 16:
                    break
                shrunk = shrunk.resize((max(1, shrunk.width * 3 // 4), max(1, shrunk.height * 3 // 4)),
                                       Image.Resampling.LANCZOS)
        extension, mime, data, size = best
        path = self.out_dir / f"display.{extension}"
        path.write_bytes(data)
        return Derivative("display", path, mime, size[0], size[1], len(data))

    def _png_options(self) -> dict[str, object]:
        options: dict[str, object] = {"compress_level": 6}
        if self.xmp:
            info = PngInfo()
            info.add_itxt("XML:com.adobe.xmp", self.xmp.decode("utf-8"), zip=False)
            options["pnginfo"] = info
        return options

    def _encoded(self, image: Image.Image, extension: str, pillow_format: str, options: dict[str, object], *,
                 xmp_option: bool = True) -> tuple[str, str, bytes, tuple[int, int]]:
        if self.icc_profile:
            options["icc_profile"] = self.icc_profile
        if self.xmp and xmp_option:
            options["xmp"] = self.xmp
        buffer = io.BytesIO()
        image.save(buffer, pillow_format, **options)
        return extension, f"image/{extension}", buffer.getvalue(), image.size

    def webp(self, role: str, image: Image.Image) -> Derivative:
        options = {"quality": self.settings.webp_quality, "method": 4}
        return self._save(role, image, "webp", "WEBP", "image/webp", options)

    def fallback(self, role: str, image: Image.Image) -> Derivative:
        if image.mode == "RGBA":
            return self._save(role, image, "png", "PNG", "image/png", self._png_options(), xmp_option=False)
        options = {"quality": self.settings.jpeg_quality, "progressive": True, "optimize": True}
        return self._save(role, image, "jpg", "JPEG", "image/jpeg", options)

    def _save(
        self,
        role: str,
        image: Image.Image,
        extension: str,
        pillow_format: str,
        mime: str,
        options: dict[str, object],
        *,
        xmp_option: bool = True,
    ) -> Derivative:
        path = self.out_dir / f"{role}.{extension}"
        if self.icc_profile:
            options["icc_profile"] = self.icc_profile
        if self.xmp and xmp_option:
            options["xmp"] = self.xmp
        image.save(path, pillow_format, **options)
        return Derivative(role, path, mime, image.width, image.height, path.stat().st_size)
