"""Test codes drawn for a scanner to read: in the terminal, and as PNG files.

A QR is drawn with half blocks, two modules per character row
(:func:`protocol.demo.terminal_qr`). A 1-D code (Code128, EAN-13) is drawn
with half blocks too, two modules per character column (``▌`` and ``▐``
are exact halves of a cell in terminal fonts), several rows tall. Dark
modules are drawn as blocks, which suits a dark-on-light terminal; on a
light-on-dark one use ``invert`` (many scanners do not read inverted codes).
Make the terminal font large enough that a module is 2 pixels or more.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from protocol.demo import terminal_qr

from ..aim import Symbology
from ..camera.render import bar_modules, bars_image, qr_image
from .codes import Check

__all__ = ["bar_blocks", "check_image", "terminal_picture", "write_png"]

_QUIET = 10  # modules of light on each side of a 1-D code
_HALVES = {"11": "█", "10": "▌", "01": "▐", "00": " "}


def bar_blocks(modules: str, *, rows: int = 5, invert: bool = False) -> str:
    """A 1-D code's modules as lines of block characters, two modules per character."""
    padded = "0" * _QUIET + modules + "0" * _QUIET
    if len(padded) % 2:
        padded += "0"
    if invert:
        padded = padded.translate(str.maketrans("01", "10"))
    line = "".join(_HALVES[padded[i : i + 2]] for i in range(0, len(padded), 2))
    return "\n".join([line] * rows) + "\n"


def _bar_symbology(check: Check) -> str:
    return "ean13" if check.symbology is Symbology.EAN_UPC else "code128"


def terminal_picture(check: Check, *, invert: bool = False) -> str:
    """The check's code drawn in text, with its digits below."""
    if check.symbology is Symbology.QR:
        picture = terminal_qr(check.text, invert=invert)
    else:
        picture = bar_blocks(bar_modules(_bar_symbology(check), check.text), invert=invert)
    return picture + check.text + "\n"


def check_image(check: Check) -> np.ndarray:
    """The check's code as a gray image large enough to print or show on a phone."""
    if check.symbology is Symbology.QR:
        code = qr_image(check.text, module_px=8)
    else:
        code = bars_image(bar_modules(_bar_symbology(check), check.text), module_px=3, height=150)
    caption = np.full((48, max(code.shape[1], 420)), 255, np.uint8)
    cv2.putText(caption, check.text, (12, 32), cv2.FONT_HERSHEY_SIMPLEX, 0.8, 0, 2)
    width = caption.shape[1]
    pad = np.full((code.shape[0], width - code.shape[1]), 255, np.uint8)
    return np.vstack([np.hstack([code, pad]), caption])


def write_png(check: Check, folder: Path) -> Path:
    """Save the check's picture as ``folder/NAME.png``; returns the path."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{check.name}.png"
    if not cv2.imwrite(str(path), check_image(check)):
        raise OSError(f"cannot write {path}")
    return path
