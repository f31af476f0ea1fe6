"""A document as text and as a picture: what the ``sim:`` printer writes, and raster Chinese.

Text is drawn cell by cell (a Chinese character in two cells), so columns
line up with any font, as they do on the paper. The picture needs a font
with Chinese in it: Noto Sans CJK (Debian's fonts-noto-cjk) where it is
installed, else Pillow's own font (Latin only).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import qrcode
from barcode import Code128
from barcode.writer import ImageWriter
from PIL import Image, ImageDraw, ImageFont

from .document import Align, Barcode, Document, QrCode, Rule, Text, cells

__all__ = ["as_png", "as_text", "barcode_text", "code128_image", "qr_text", "text_image"]

FONTS = (
    Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),
    Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc"),
    Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"),
)
CELL_DOTS = 12  # font A: 12 x 24 dots, a Chinese character 24 x 24
LINE_DOTS = 24


def barcode_text(data: str) -> str:
    return f"[Code128 {data}]"


def qr_text(data: str) -> str:
    return f"[QR {data}]"


def _aligned(text: str, width: int, align: Align) -> str:
    room = max(width - cells(text), 0)
    left = {Align.LEFT: 0, Align.CENTER: room // 2, Align.RIGHT: room}[align]
    return " " * left + text


def as_text(document: Document) -> str:
    """The document as the paper reads, one line each (codes as ``[QR ...]``)."""
    lines: list[str] = []
    for block in document.blocks:
        if isinstance(block, Text):
            lines.append(_aligned(block.text, document.columns, block.align).rstrip())
        elif isinstance(block, Rule):
            lines.append(block.char * document.columns)
        elif isinstance(block, Barcode):
            lines.append(_aligned(barcode_text(block.data), document.columns, Align.CENTER))
        else:
            lines.append(_aligned(qr_text(block.data), document.columns, Align.CENTER))
    return "\n".join(lines) + "\n"


@cache
def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    for path in FONTS:
        if path.exists():
            return ImageFont.truetype(str(path), size)
    return ImageFont.load_default(size)


def text_image(
    text: str, width_dots: int, *, align: Align = Align.LEFT, bold: bool = False, big: bool = False
) -> Image.Image:
    """One line of text as a 1-bit picture ``width_dots`` wide (raster Chinese, the sim)."""
    scale = 2 if big else 1
    cell, height = CELL_DOTS * scale, LINE_DOTS * scale
    image = Image.new("1", (width_dots, height), 1)
    draw = ImageDraw.Draw(image)
    font = _font(22 * scale)
    room = max(width_dots // cell - cells(text), 0)
    x = {Align.LEFT: 0, Align.CENTER: room // 2, Align.RIGHT: room}[align] * cell
    for char in text:
        span = cells(char) * cell
        for dx in (0, 1) if bold else (0,):
            draw.text((x + dx + span // 2, height // 2), char, font=font, fill=0, anchor="mm")
        x += span
    return image


def code128_image(data: str, width_dots: int) -> Image.Image:
    """A Code128 drawn as a picture that fits ``width_dots`` (the sim printer's)."""
    picture = Code128(data, writer=ImageWriter()).render(
        {"module_width": 0.25, "module_height": 8.0, "dpi": 203, "font_size": 8, "quiet_zone": 2}
    )
    if picture.width > width_dots:
        picture = picture.resize((width_dots, picture.height))
    converted: Image.Image = picture.convert("1")
    return converted


def _qr_image(data: str) -> Image.Image:
    code = qrcode.QRCode(box_size=4, border=2)
    code.add_data(data)
    picture: Image.Image = code.make_image().get_image().convert("1")
    return picture


def as_png(document: Document, width_dots: int) -> Image.Image:
    """The document as the paper looks: text, rules, the Code128 and the QR."""
    parts: list[Image.Image] = []
    for block in document.blocks:
        if isinstance(block, Text):
            parts.append(text_image(block.text, width_dots, align=block.align, bold=block.bold,
                                    big=block.big))  # fmt: skip
        elif isinstance(block, Rule):
            line = Image.new("1", (width_dots, LINE_DOTS), 1)
            ImageDraw.Draw(line).line((0, LINE_DOTS // 2, width_dots, LINE_DOTS // 2), fill=0)
            parts.append(line)
        elif isinstance(block, Barcode):
            parts.append(code128_image(block.data, width_dots))
        elif isinstance(block, QrCode):
            parts.append(_qr_image(block.data))
    height = sum(p.height for p in parts) + LINE_DOTS
    page = Image.new("1", (width_dots, height), 1)
    y = 0
    for part in parts:
        page.paste(part, ((width_dots - part.width) // 2 if part.width < width_dots else 0, y))
        y += part.height
    return page
