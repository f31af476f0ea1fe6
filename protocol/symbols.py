"""The payment code's two symbols, as modules: the QR matrix and the Code128 bars.

Phone wallets show a payment code as both (DESIGN.md section 5), so every
picture of one (the wallet page's SVG, the wallet simulator's PNG, test
renders for the camera) starts from these two functions and draws the
modules its own way. QR: error correction level M, the smallest version that
fits; Code128: python-barcode's encoding, which puts digits in code set C
(two digits a symbol), so 18 digits make 134 modules.
"""

from __future__ import annotations

import barcode
import qrcode

__all__ = ["QR_QUIET_ZONE", "code128_modules", "dark_runs", "qr_modules"]

QR_QUIET_ZONE = 4  # modules of white around a QR (ISO/IEC 18004)


def qr_modules(text: str) -> list[list[bool]]:
    """The QR's modules, row by row (True is dark), without the quiet zone."""
    qr = qrcode.QRCode(border=0, error_correction=qrcode.constants.ERROR_CORRECT_M)
    qr.add_data(text)
    qr.make(fit=True)
    return [[bool(dark) for dark in row] for row in qr.get_matrix()]


def code128_modules(text: str) -> list[bool]:
    """The Code128 symbol's modules (start, data, check, stop; True is a bar), no quiet zone."""
    pattern: str = barcode.Code128(text).build()[0]
    return [bit == "1" for bit in pattern]


def dark_runs(row: list[bool]) -> list[tuple[int, int]]:
    """``(start, length)`` of each dark run in a row: one rectangle each when drawing."""
    runs: list[tuple[int, int]] = []
    start: int | None = None
    for x, dark in enumerate([*row, False]):
        if dark and start is None:
            start = x
        elif not dark and start is not None:
            runs.append((start, x - start))
            start = None
    return runs
