"""Reading the kiosk's screenshots: is this line of text on the screen, drawn in these glyphs?

foot draws on a grid of cells whose size :func:`kiosk.screen.cell_size`
gives, with the font's baseline at its ascender. A line is "read" by
drawing the expected text the same way with PIL from the same font file
(Noto Sans Mono CJK SC in Debian's ``fonts-noto-cjk``), cell by cell, and
comparing the ink of the two pictures: the overlap of the two sets of ink
pixels over their union, at the best of a few pixels' shift. The same text
scores near 1 (0.97 to 0.99 measured); other words in the same font 0.6 at
most (two Latin words sharing letters, 0.5; two Chinese ones, below 0.5),
and the boxes a terminal draws for a glyph its font lacks ("tofu") about
0.2. So a Chinese title that scores high was drawn in CJK glyphs,
and these glyphs.
"""

from __future__ import annotations

import io
import math
from functools import cache

from PIL import Image, ImageChops, ImageDraw, ImageFont
from rich.cells import cell_len

from kiosk.screen import cell_size

__all__ = ["MATCH", "Shot"]

FONTS = {
    False: "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    True: "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
}
MONO_SC = 7  # the face "Noto Sans Mono CJK SC" in those collections
MATCH = 0.8  # a likeness at least this high: the text is there, in these glyphs


@cache
def _font(bold: bool, pixels: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(FONTS[bold], pixels, index=MONO_SC)


class Shot:
    """One screenshot of a kiosk whose font is ``pixels`` high."""

    def __init__(self, png: bytes, pixels: int) -> None:
        self.png = png
        self.image = Image.open(io.BytesIO(png)).convert("L")
        self.pixels = pixels
        self.cell = cell_size(pixels)

    def colours(self) -> int:
        """How many shades of grey the screen shows (a blank one: one or two)."""
        return sum(1 for count in self.image.histogram() if count)

    def render(self, text: str, *, bold: bool = False) -> Image.Image:
        """``text`` as foot would draw it, as ink (255) on nothing (0)."""
        width, height = self.cell
        picture = Image.new("L", (cell_len(text) * width, height), 0)
        draw = ImageDraw.Draw(picture)
        x, baseline = 0, math.ceil(1.16 * self.pixels)
        for char in text:
            draw.text((x, baseline), char, font=_font(bold, self.pixels), fill=255, anchor="ls")
            x += cell_len(char) * width
        return picture.point(lambda v: 255 if v > 100 else 0)

    def ink(self, left: int, top: int, width: int, height: int) -> Image.Image:
        """The pixels of a box that stand out from its background (its commonest shade)."""
        crop = self.image.crop((left, top, left + width, top + height))
        histogram = crop.histogram()
        background = max(range(256), key=lambda shade: histogram[shade])
        return crop.point(lambda v: 255 if abs(v - background) > 60 else 0)

    def likeness(self, row: int, column: int, text: str, *, bold: bool = False) -> float:
        """How much the cells from (``row``, ``column``) look like ``text`` (0 to 1)."""
        expected = self.render(text, bold=bold).convert("1")
        width, height = self.cell
        best = 0.0
        for dx in range(-3, 4):
            for dy in range(-3, 4):
                shown = self.ink(column * width + dx, row * height + dy, *expected.size)
                shown1 = shown.convert("1")
                union = ImageChops.logical_or(shown1, expected).histogram()[-1]
                both = ImageChops.logical_and(shown1, expected).histogram()[-1]
                best = max(best, both / union if union else 0.0)
        return best

    def find(self, text: str, *, column: int, bold: bool = False) -> int | None:
        """The row where ``text`` is drawn from ``column`` (None: on no row)."""
        rows = self.image.height // self.cell[1]
        for row in range(rows):
            if self.likeness(row, column, text, bold=bold) >= MATCH:
                return row
        return None
