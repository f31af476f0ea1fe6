"""Test codes as images: QR (qrcode) and Code128 (python-barcode's encoder), as gray numpy arrays.

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

__all__ = ["code128_image", "qr_image"]

Gray = npt.NDArray[np.uint8]


def qr_image(text: str, *, module_px: int = 4, border: int = 4) -> Gray:
    """``text`` as a QR code (error correction M, as phone wallets use), black on white."""
    qr = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=border)
    qr.add_data(text)
    qr.make(fit=True)
    dark = np.array(qr.get_matrix(), dtype=bool)
    image = np.where(dark, 0, 255).astype(np.uint8)
    return np.kron(image, np.ones((module_px, module_px), dtype=np.uint8))


def code128_image(
    text: str, *, module_px: int = 2, height: int = 60, quiet_modules: int = 10
) -> Gray:
    """``text`` as Code128 (the encoder picks code sets A/B/C), bars ``height`` pixels tall."""
    modules = barcode.get("code128", text).build()[0]
    row = np.array([0 if m == "1" else 255 for m in modules], dtype=np.uint8)
    quiet = np.full(quiet_modules, 255, dtype=np.uint8)
    row = np.repeat(np.concatenate([quiet, row, quiet]), module_px)
    margin = np.full((quiet_modules * module_px // 2, row.size), 255, dtype=np.uint8)
    return np.vstack([margin, np.tile(row, (height, 1)), margin])
