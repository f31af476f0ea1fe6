"""Test codes as images: QR (qrcode), Code128 and EAN-13 (python-barcode's encoders), gray arrays.

Used by the camera tests and benchmark, and by anything that shows a code to
a scanner or a camera. Modules are whole pixels, so a code renders the same
everywhere.
"""

from __future__ import annotations

import barcode
import numpy as np
import numpy.typing as npt
import qrcode
from qrcode.constants import ERROR_CORRECT_M

__all__ = ["bar_modules", "bars_image", "code128_image", "ean13_image", "qr_image"]

Gray = npt.NDArray[np.uint8]


def qr_image(text: str, *, module_px: int = 4, border: int = 4) -> Gray:
    """``text`` as a QR code (error correction M, as phone wallets use), black on white."""
    qr = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=border)
    qr.add_data(text)
    qr.make(fit=True)
    dark = np.array(qr.get_matrix(), dtype=bool)
    image = np.where(dark, 0, 255).astype(np.uint8)
    return np.kron(image, np.ones((module_px, module_px), dtype=np.uint8))


def bar_modules(symbology: str, text: str) -> str:
    """The modules of a 1-D code, ``"1"`` dark and ``"0"`` light, without quiet zones.

    ``symbology`` is ``code128`` (the encoder picks code sets A/B/C) or ``ean13``
    (13 digits whose last is the check digit; ``ValueError`` if it is wrong).
    """
    if symbology == "ean13":
        if len(text) != 13 or not text.isdigit():
            raise ValueError(f"an EAN-13 is 13 digits, not {text!r}")
        code = barcode.get("ean13", text)
        if code.get_fullcode() != text:
            raise ValueError(f"{text!r} has a wrong EAN-13 check digit")
    else:
        code = barcode.get(symbology, text)
    return str(code.build()[0])


def bars_image(
    modules: str, *, module_px: int = 2, height: int = 60, quiet_modules: int = 10
) -> Gray:
    """Modules (from :func:`bar_modules`) as bars ``height`` pixels tall, quiet zones around."""
    row = np.array([0 if m == "1" else 255 for m in modules], dtype=np.uint8)
    quiet = np.full(quiet_modules, 255, dtype=np.uint8)
    row = np.repeat(np.concatenate([quiet, row, quiet]), module_px)
    margin = np.full((quiet_modules * module_px // 2, row.size), 255, dtype=np.uint8)
    return np.vstack([margin, np.tile(row, (height, 1)), margin])


def code128_image(
    text: str, *, module_px: int = 2, height: int = 60, quiet_modules: int = 10
) -> Gray:
    """``text`` as Code128 (the encoder picks code sets A/B/C), bars ``height`` pixels tall."""
    return bars_image(
        bar_modules("code128", text),
        module_px=module_px,
        height=height,
        quiet_modules=quiet_modules,
    )


def ean13_image(text: str, *, module_px: int = 2, height: int = 60) -> Gray:
    """A product barcode (EAN-13 of 13 digits): what a payment test shows as "not a payment"."""
    return bars_image(bar_modules("ean13", text), module_px=module_px, height=height)
