"""The code as a phone shows it, in a PNG: Code128 on top, the digits, the QR below.

For demos and for camera tests: a picture a scanner or ``drivers.camera`` can
read. Drawn with Pillow from :mod:`protocol.symbols`, whole pixels per module.
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from protocol.symbols import QR_QUIET_ZONE, code128_modules, dark_runs, qr_modules

__all__ = ["code_picture", "write_png"]

_BAR_PX = 3  # pixels per Code128 module
_BAR_HEIGHT_PX = 120
_QR_PX = 10  # pixels per QR module
_MARGIN_PX = 30  # white around everything; also the Code128's quiet zone (10 modules)
_TEXT_PX = 28


def code_picture(code: str) -> Image.Image:
    bars = code128_modules(code)
    matrix = qr_modules(code)
    qr_size = (len(matrix) + 2 * QR_QUIET_ZONE) * _QR_PX
    width = max(len(bars) * _BAR_PX, qr_size) + 2 * _MARGIN_PX
    height = _MARGIN_PX + _BAR_HEIGHT_PX + 2 * _TEXT_PX + qr_size + _MARGIN_PX
    image = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(image)

    left = (width - len(bars) * _BAR_PX) // 2
    for x, n in dark_runs(bars):
        x0 = left + x * _BAR_PX
        draw.rectangle(
            (x0, _MARGIN_PX, x0 + n * _BAR_PX - 1, _MARGIN_PX + _BAR_HEIGHT_PX - 1), fill=0
        )

    font = ImageFont.load_default(size=_TEXT_PX)
    text = " ".join(code[i : i + 4] for i in range(0, len(code), 4))
    text_y = _MARGIN_PX + _BAR_HEIGHT_PX + _TEXT_PX // 2
    draw.text((width // 2, text_y), text, fill=0, font=font, anchor="mt")

    top = height - _MARGIN_PX - qr_size + QR_QUIET_ZONE * _QR_PX
    qr_left = (width - qr_size) // 2 + QR_QUIET_ZONE * _QR_PX
    for y, row in enumerate(matrix):
        for x, n in dark_runs(row):
            x0, y0 = qr_left + x * _QR_PX, top + y * _QR_PX
            draw.rectangle((x0, y0, x0 + n * _QR_PX - 1, y0 + _QR_PX - 1), fill=0)
    return image


def write_png(code: str, path: Path | str) -> Path:
    target = Path(path)
    code_picture(code).save(target, format="PNG")
    return target
