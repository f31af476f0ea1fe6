"""The bare Linux console (``TERM=linux``): what the apps change to work on it.

A till booted without the kiosk runs on a Linux virtual console, whose font
has no CJK glyphs and only a few hundred others. There the apps keep working:
16 colours (Rich finds that from ``TERM=linux`` itself), ASCII stand-ins for
the glyphs the console font lacks (:func:`glyph`), and English only, with one
plain line saying that Chinese needs the kiosk.
"""

from __future__ import annotations

import os

__all__ = ["CHINESE_NEEDS_KIOSK", "bare_console", "glyph"]

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
