"""A document as ESC/POS bytes, made by python-escpos (the field's library) without a device.

python-escpos's ``Dummy`` printer collects the commands; the till's own
transports carry them. Chinese goes either as GB18030 text in the printer's
Chinese mode (``FS &`` ... ``FS .``) or, for printers without a Chinese font,
as a picture of the line (``GS v 0``). The Code128 uses code set C for runs
of digits, so a payment number fits 80 mm paper; on 58 mm paper it would
not, and the QR code alone carries the number.
"""

from __future__ import annotations

import contextlib
import io
import re

from escpos.printer import Dummy

from .document import Barcode, Document, QrCode, Rule, Text, cells
from .render import text_image
from .url import Paper

__all__ = ["CHINESE_OFF", "CHINESE_ON", "code128_data", "drawer_pulse", "escpos_bytes"]

CHINESE_ON = b"\x1c&"  # FS &: Chinese character mode
CHINESE_OFF = b"\x1c."  # FS .
_DIGIT_RUN = re.compile(r"(\d{4,})")


def code128_data(text: str) -> str:
    """``P26112415300000014a3f`` -> ``{BP{C261124153000000014{Ba3f``: digit pairs in code set C."""
    out, current = [], ""
    for part in _DIGIT_RUN.split(text):
        if not part:
            continue
        if part.isdigit() and len(part) >= 4:
            if len(part) % 2:
                part, tail = part[:-1], part[-1]
            else:
                tail = ""
            if current != "C":
                out.append("{C")
                current = "C"
            out.append(part)
            part = tail
            if not part:
                continue
        if current != "B":
            out.append("{B")
            current = "B"
        out.append(part.replace("{", "{{"))
    return "".join(out)


def _printer() -> Dummy:
    return Dummy(profile="default")


def _quietly(call: object) -> None:
    """python-escpos prints which barcode renderer it chose; a till's screen is no place for it."""
    with contextlib.redirect_stdout(io.StringIO()):
        call()  # type: ignore[operator]


def _text(p: Dummy, block: Text, paper: Paper, chinese: str) -> None:
    if block.big:
        p.set(align=block.align.value, bold=block.bold, double_width=True, double_height=True)
    else:
        p.set(align=block.align.value, bold=block.bold, normal_textsize=True,
              font="b" if block.small else "a")  # fmt: skip
    if block.text.isascii():
        p.textln(block.text)
    elif chinese == "raster":
        p.set(align="left")
        picture = text_image(block.text, paper.dots, align=block.align, bold=block.bold,
                             big=block.big)  # fmt: skip
        _quietly(lambda: p.image(picture))
    else:
        p._raw(CHINESE_ON + block.text.encode("gb18030", errors="replace") + b"\n" + CHINESE_OFF)


def escpos_bytes(document: Document, paper: Paper, *, chinese: str = "gb18030") -> bytes:
    """The bytes that print ``document`` on ``paper`` (and cut it, if the document says so)."""
    p = _printer()
    p.hw("INIT")
    for block in document.blocks:
        if isinstance(block, Text):
            _text(p, block, paper, chinese)
        elif isinstance(block, Rule):
            p.set(align="left", normal_textsize=True, font="a", bold=False)
            p.textln(block.char * (paper.columns // max(cells(block.char), 1)))
        elif isinstance(block, Barcode):
            if paper.width_mm > 58:
                data = code128_data(block.data)
                _quietly(lambda d=data: p.barcode(d, "CODE128", function_type="B", width=2,
                                                  height=60, check=False))  # fmt: skip
        elif isinstance(block, QrCode):
            p.qr(block.data, native=True, size=6, center=False)
            p.ln()
        p.set(align="left", bold=False, normal_textsize=True)
    if document.cut:
        p.cut()
    return bytes(p.output)


def drawer_pulse(pin: int = 2) -> bytes:
    """ESC p: a pulse on the drawer's connector ``pin`` (2 or 5)."""
    p = _printer()
    p.cashdraw(pin)
    return bytes(p.output)
