"""The bare Linux console (``TERM=linux``): what the apps change to work on it.

A till booted without the kiosk runs on a Linux virtual console, whose font
has no CJK glyphs and only a few hundred others. There the apps keep working:
16 colours (Rich finds that from ``TERM=linux`` itself), ASCII stand-ins for
the app's own glyphs the console font lacks (:func:`glyph`), and English only,
with one plain line saying that Chinese needs the kiosk.

What Textual draws itself (the inputs' half-block borders ``▊▔▁▎``, the
scrollbars' eighth blocks), and any text from elsewhere the font lacks (a
cashier's Chinese name), goes through :class:`ConsoleGlyphs`, a line filter
that puts a glyph the console has in each cell it cannot draw: a line for a
bar, ``?`` for anything else, as many cells wide as the glyph it replaces.
What the console draws (:func:`console_draws`) is what every font of
Debian's console-setup for Latin and Cyrillic scripts has (Lat15 and Uni2,
in the Fixed, Terminus and VGA faces; read from their PSF Unicode tables),
less the odd alphabets: ASCII, Latin-1, typographic punctuation, arrows, box
drawing, a few blocks and shapes.
"""

from __future__ import annotations

import os
import re
from typing import TYPE_CHECKING

from rich.cells import cell_len
from rich.segment import Segment
from textual.filter import LineFilter

if TYPE_CHECKING:
    from textual.color import Color

__all__ = ["CHINESE_NEEDS_KIOSK", "ConsoleGlyphs", "bare_console", "console_draws", "glyph"]

CHINESE_NEEDS_KIOSK = (
    "Chinese needs the kiosk screen (scanpay-till): the bare Linux console cannot draw it."
)

# name -> (the glyph, its stand-in on the bare console)
_GLYPHS = {
    "ok": ("✓", "ok"),
    "bad": ("✗", "X"),
    "dot": ("·", "-"),
    "filled": ("●", "*"),
    "empty": ("○", "_"),
}


def bare_console() -> bool:
    """Whether the app draws on a Linux virtual console."""
    return os.environ.get("TERM", "") == "linux"


def glyph(name: str) -> str:
    """The glyph ``name``, or its ASCII stand-in on the bare console."""
    fancy, plain = _GLYPHS[name]
    return plain if bare_console() else fancy


# What the console's font draws, as ranges of code points (see the module's docstring).
_DRAWN = (
    (0x20, 0x7E), (0xA0, 0xFF), (0x2010, 0x2015), (0x2018, 0x201E), (0x2020, 0x2022),
    (0x2026, 0x2026), (0x2030, 0x2030), (0x2039, 0x203A), (0x20AC, 0x20AC), (0x2122, 0x2122),
    (0x2190, 0x2193), (0x2500, 0x257F), (0x2588, 0x2588), (0x2591, 0x2592), (0x25A0, 0x25A0),
    (0x25B2, 0x25B2), (0x25B6, 0x25B6), (0x25BC, 0x25BC), (0x25C0, 0x25C0), (0x25CF, 0x25CF),
    (0x2666, 0x2666), (0x2717, 0x2718), (0xFFFD, 0xFFFD),
)  # fmt: skip
_UNDRAWN = re.compile("[^" + "".join(f"\\U{a:08x}-\\U{b:08x}" for a, b in _DRAWN) + "\\n]")
# Block elements the font lacks -> one it has: bars upright or across, shades, quadrants.
_STAND_INS = (
    dict.fromkeys("▉▊▋▌▍▎▏▐▕", "│")
    | dict.fromkeys("▀▁▂▃▄▅▆▇▔", "─")
    | dict.fromkeys("▓", "▒")
    | dict.fromkeys("▖▗▘▙▚▛▜▝▞▟", "█")
)


def console_draws(char: str) -> bool:
    """Whether the console's font has a glyph for ``char``."""
    return _UNDRAWN.match(char) is None


def _stand_in(match: re.Match[str]) -> str:
    char = match.group()
    return _STAND_INS.get(char) or "?" * cell_len(char)


class ConsoleGlyphs(LineFilter):
    """Every glyph the console cannot draw, replaced by one it can, cell for cell."""

    def apply(self, segments: list[Segment], background: Color) -> list[Segment]:
        return [
            Segment(_UNDRAWN.sub(_stand_in, text), style, control)
            if not control and _UNDRAWN.search(text)
            else Segment(text, style, control)
            for text, style, control in segments
        ]
