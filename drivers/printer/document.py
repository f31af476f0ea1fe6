"""What is printed, before it is ESC/POS: lines of text, rules, a Code128 and a QR code.

A receipt is laid out for a paper's column count by whoever builds it (see
:class:`~drivers.printer.url.Paper`); every printer then prints the same
:class:`Document`: as ESC/POS bytes, as a text file and a picture (``sim:``),
or as the emulator shows it. Widths count cells: a Chinese character takes
two, as on the paper.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from enum import StrEnum

__all__ = ["Align", "Barcode", "Block", "Document", "QrCode", "Rule", "Text", "cells", "row"]


class Align(StrEnum):
    LEFT = "left"
    CENTER = "center"
    RIGHT = "right"


@dataclass(frozen=True)
class Text:
    """One line (no newline in it). ``big`` doubles width and height; ``small`` is font B."""

    text: str
    bold: bool = False
    align: Align = Align.LEFT
    big: bool = False
    small: bool = False


@dataclass(frozen=True)
class Rule:
    """A line across the paper."""

    char: str = "-"


@dataclass(frozen=True)
class Barcode:
    """A Code128 barcode of ``data`` (printable ASCII), its text below it."""

    data: str


@dataclass(frozen=True)
class QrCode:
    data: str


Block = Text | Rule | Barcode | QrCode


@dataclass(frozen=True)
class Document:
    """Blocks printed top to bottom, then the paper is cut; ``title`` names it in logs and files."""

    blocks: tuple[Block, ...]
    title: str = "receipt"
    cut: bool = True
    columns: int = field(default=48, compare=False)


def cells(text: str) -> int:
    """How many columns ``text`` takes on paper (or a terminal): wide characters take two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def row(label: str, value: str, width: int) -> str:
    """``label`` left and ``value`` right on one line of ``width`` cells (at least one space)."""
    return label + " " * max(width - cells(label) - cells(value), 1) + value
