"""AIM symbology identifiers (ISO/IEC 15424): the ``]Q1`` a scanner may put before a code.

A scanner configured to send them tells us the barcode type of every read:
``]`` + a code character (the symbology) + a modifier character. We keep the
identifier as sent and map its code character to a :class:`Symbology`.
"""

from __future__ import annotations

import re
from enum import StrEnum

__all__ = ["AIM_LENGTH", "Symbology", "split_aim", "symbology_for"]

AIM_LENGTH = 3
_AIM_RE = re.compile(r"\][A-Za-z][0-9A-Za-z]")


class Symbology(StrEnum):
    CODE39 = "code39"
    CODE128 = "code128"
    EAN_UPC = "ean-upc"
    CODABAR = "codabar"
    CODE93 = "code93"
    CODE11 = "code11"
    ITF = "itf"
    PDF417 = "pdf417"
    MSI = "msi"
    QR = "qr"
    MAXICODE = "maxicode"
    DATAMATRIX = "datamatrix"
    DATABAR = "databar"
    AZTEC = "aztec"
    HANXIN = "hanxin"
    OTHER = "other"


_BY_CODE_CHAR = {
    "A": Symbology.CODE39,
    "C": Symbology.CODE128,
    "E": Symbology.EAN_UPC,
    "F": Symbology.CODABAR,
    "G": Symbology.CODE93,
    "H": Symbology.CODE11,
    "I": Symbology.ITF,
    "L": Symbology.PDF417,
    "M": Symbology.MSI,
    "Q": Symbology.QR,
    "U": Symbology.MAXICODE,
    "d": Symbology.DATAMATRIX,
    "e": Symbology.DATABAR,
    "z": Symbology.AZTEC,
    "h": Symbology.HANXIN,
}


def symbology_for(aim: str | None) -> Symbology | None:
    """The symbology an AIM identifier names; ``None`` when there is no identifier."""
    if not aim or not _AIM_RE.fullmatch(aim):
        return None
    return _BY_CODE_CHAR.get(aim[1], Symbology.OTHER)


def split_aim(text: str) -> tuple[str | None, str]:
    """``"]Q1812345"`` -> ``("]Q1", "812345")``; text without an identifier is left whole."""
    if _AIM_RE.match(text):
        return text[:AIM_LENGTH], text[AIM_LENGTH:]
    return None, text
