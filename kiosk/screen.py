"""The kiosk's font: as large as the screen allows while the app's layout still fits on it.

foot draws the app with Noto Sans Mono CJK SC (Debian's ``fonts-noto-cjk``),
so Latin and Chinese share one grid: a Latin character takes one cell, a
Chinese one two. At a pixel size of ``n``, foot 1.13 makes a cell
``ceil(n/2)`` pixels wide and ``ceil(1.16 n) + ceil(0.288 n)`` high (the
font's advance of half an em, its ascender and its descender; measured with
foot on this font from 12 to 48 pixels, and checked again by the kiosk test).
The till is laid out for 80x24 and the handheld for 40x20: the largest size
whose grid still holds that layout is chosen, so the text is as big as the
screen allows and the app fills it. The rows are what bind on today's
screens; a wide one gives the app more columns, and it spreads out to use
them (stretching the letters apart to make exactly 80 was tried: Chinese
became hard to read).

cage maximises foot's window, and foot keeps the height of its title bar
(drawn off the screen) out of the screen's: a title bar of 26 pixels cost
the till its 24th row. foot's title bar is therefore made one pixel high,
and that pixel is counted. (No title bar at all, ``size=0``, or foot's
``--fullscreen`` would be cleaner, but then cage 0.1.4 never gives foot its
size: the window stays at 700x500, checked on the headless output.)
"""

from __future__ import annotations

import math
from dataclasses import dataclass

__all__ = ["FONT", "TITLE_BAR", "Grid", "Screen", "cell_size", "font_pixels", "foot_ini", "grid_of"]

FONT = "Noto Sans Mono CJK SC"
TITLE_BAR = 1  # pixels of foot's own title bar that the window keeps from the screen


@dataclass(frozen=True)
class Grid:
    """Columns and rows of terminal cells."""

    columns: int
    rows: int

    def __str__(self) -> str:
        return f"{self.columns}x{self.rows}"


@dataclass(frozen=True)
class Screen:
    """The display's size in pixels."""

    width: int
    height: int

    @classmethod
    def parse(cls, text: str) -> Screen:
        """``"1024x768"`` -> Screen(1024, 768); ValueError in plain words otherwise."""
        width, sep, height = text.lower().partition("x")
        if not sep or not width.isdigit() or not height.isdigit():
            raise ValueError(f"a screen is WIDTHxHEIGHT in pixels, e.g. 1024x768, not {text!r}")
        return cls(int(width), int(height))

    def __str__(self) -> str:
        return f"{self.width}x{self.height}"


def cell_size(pixels: int) -> tuple[int, int]:
    """The width and height in pixels of one of foot's cells at font size ``pixels``."""
    return math.ceil(pixels / 2), math.ceil(1.16 * pixels) + math.ceil(0.288 * pixels)


def grid_of(screen: Screen, pixels: int) -> Grid:
    """The cells foot shows on ``screen`` at font size ``pixels``."""
    width, height = cell_size(pixels)
    return Grid(screen.width // width, (screen.height - TITLE_BAR) // height)


def font_pixels(screen: Screen, layout: Grid) -> int:
    """The largest font size (pixels) at which ``layout`` fits on ``screen``."""
    best = 0
    for pixels in range(6, 400):
        grid = grid_of(screen, pixels)
        if grid.columns < layout.columns or grid.rows < layout.rows:
            break
        best = pixels
    if not best:
        raise ValueError(f"a {screen} screen is too small for the app's {layout} layout")
    return best


def foot_ini(screen: Screen, layout: Grid) -> str:
    """foot's configuration for the kiosk: the font, at the size that fills ``screen``."""
    pixels = font_pixels(screen, layout)
    return (
        f"# foot for the ScanPay kiosk on a {screen} screen: the app's {layout} layout at the\n"
        f"# largest font that fits, {pixels} px ({grid_of(screen, pixels)} cells).\n"
        "# Written by install-kiosk --screen WIDTHxHEIGHT; run it again to change the size.\n"
        "[main]\n"
        f"font={FONT}:pixelsize={pixels}\n"
        "\n"
        "[csd]\n"
        f"size={TITLE_BAR}\n"
    )
