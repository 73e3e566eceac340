"""Visible text watermark drawn on the derivatives that leave the server.

The instance sets a default (``WatermarkSettings``); an artist may override any field
with ``settings.overridden(...)``. The text is drawn in a font Pillow ships, sized to the
image, in a corner or the center, with a dark outline so it reads on any background.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Literal, get_args

from PIL import Image, ImageDraw, ImageFont

WatermarkPosition = Literal["top-left", "top-right", "bottom-left", "bottom-right", "center"]
WATERMARK_POSITIONS: tuple[str, ...] = get_args(WatermarkPosition)


@dataclass(frozen=True)
class WatermarkSettings:
    """How (and whether) to mark an image. ``text_height`` is a fraction of the shorter side.

    A refused value raises ``ValueError("<field>: <reason>")``.
    """

    enabled: bool = False
    text: str = ""
    position: WatermarkPosition = "bottom-right"
    opacity: float = 0.5
    text_height: float = 0.05

    def __post_init__(self) -> None:
        if self.position not in WATERMARK_POSITIONS:
            raise ValueError(f"position: must be one of {', '.join(WATERMARK_POSITIONS)}, not {self.position!r}")
        if not 0.0 <= self.opacity <= 1.0:
            raise ValueError(f"opacity: must be between 0 and 1, not {self.opacity}")
        if not 0.0 < self.text_height <= 0.5:
            raise ValueError(f"text_height: must be in (0, 0.5], not {self.text_height}")
        if self.enabled and not self.text.strip():
            raise ValueError("text: an enabled watermark needs a text")

    def overridden(self, **changes: object) -> WatermarkSettings:
        """A copy with an artist's own choices applied (validated like the original)."""
        return dataclasses.replace(self, **changes)

    @property
    def active(self) -> bool:
        return self.enabled and self.opacity > 0


def apply_watermark(image: Image.Image, settings: WatermarkSettings) -> Image.Image:
    """Return ``image`` (L, RGB or RGBA) with the watermark drawn on it; unchanged if inactive."""
    if not settings.active:
        return image
    width, height = image.size
    font_size = max(8, round(min(width, height) * settings.text_height))
    font = ImageFont.load_default(font_size)
    stroke = max(1, font_size // 12)
    margin = font_size // 2

    overlay = Image.new("RGBA", image.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(overlay)
    left, top, right, bottom = draw.textbbox((0, 0), settings.text, font=font, stroke_width=stroke)
    text_width, text_height = right - left, bottom - top
    horizontal, vertical = _anchor(settings.position)
    x = {"left": margin, "center": (width - text_width) // 2, "right": width - margin - text_width}[horizontal]
    y = {"top": margin, "center": (height - text_height) // 2, "bottom": height - margin - text_height}[vertical]
    alpha = round(255 * settings.opacity)
    draw.text(
        (x - left, y - top),
        settings.text,
        font=font,
        fill=(255, 255, 255, alpha),
        stroke_width=stroke,
        stroke_fill=(0, 0, 0, alpha),
    )
    marked = image.convert("RGBA")
    marked.alpha_composite(overlay)
    return marked if image.mode == "RGBA" else marked.convert(image.mode)


def _anchor(position: str) -> tuple[str, str]:
    if position == "center":
        return "center", "center"
    vertical, horizontal = position.split("-")
    return horizontal, vertical
