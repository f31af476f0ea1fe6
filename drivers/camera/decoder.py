"""Camera frames in, code texts out: zxing-cpp first, harder passes only when it finds nothing.

The fast pass is one zxing-cpp read of the whole frame, limited to the
formats payment codes use (QR, Code128). Most frames end there. When it
finds nothing, the frame is searched for code-like regions (dense edges,
closed into blobs); each region is cut out upright (its skew undone, so a
Code128 at any angle reads), enlarged when small, and read again by
zxing-cpp, then with its contrast evened out (CLAHE). pyzbar gives a second
opinion on the most code-like region. (pyzbar on the whole frame, zxing-cpp
on the whole frame enlarged, thresholded or turned found nothing more on the
benchmark's set at several times the cost: bench/decode.py.) A text found
twice in one frame is given once.

Pure functions of the image, no I/O: the camera driver runs them off the
event loop.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt
import zxingcpp
from pyzbar import pyzbar

__all__ = ["SYMBOLOGIES", "Decoded", "decode", "decode_detailed", "to_gray"]

Gray = npt.NDArray[np.uint8]

SYMBOLOGIES = ("qr", "code128")
"""What the decoder looks for (the formats payment codes use); a caller may narrow it."""

_ZXING_NAMES = {"qr": "QRCode", "code128": "Code128"}
_ZBAR_SYMBOL = {"qr": pyzbar.ZBarSymbol.QRCODE, "code128": pyzbar.ZBarSymbol.CODE128}
_SYMBOLOGY = {"QRCode": "qr", "Code128": "code128", "QRCODE": "qr", "CODE128": "code128"}


@dataclass(frozen=True)
class _Whitelist:
    """The formats to look for, in each library's terms."""

    zxing: zxingcpp.BarcodeFormats
    zbar: tuple[object, ...]

    @classmethod
    def of(cls, symbologies: Collection[str]) -> _Whitelist:
        unknown = sorted(set(symbologies) - set(SYMBOLOGIES))
        if unknown or not symbologies:
            raise ValueError(
                f"the camera decoder reads {' and '.join(SYMBOLOGIES)}, not {unknown or 'nothing'}"
            )
        names = ",".join(_ZXING_NAMES[s] for s in SYMBOLOGIES if s in symbologies)
        zbar = tuple(_ZBAR_SYMBOL[s] for s in SYMBOLOGIES if s in symbologies)
        return cls(zxingcpp.barcode_formats_from_str(names), zbar)


_ALL = _Whitelist.of(SYMBOLOGIES)

_MAX_REGIONS = 4
_MIN_REGION_AREA = 150  # in the half-size search image
_CROP_TARGET = 320  # a region's crop is scaled until its long side is about this many pixels
_MAX_ENLARGE = 4.0
_MIN_SCALE = 0.6
_CLAHE = cv2.createCLAHE(clipLimit=2.0, tileGridSize=(4, 4))


@dataclass(frozen=True)
class Decoded:
    """One code found: its text, ``qr`` or ``code128``, and which pass found it."""

    text: str
    symbology: str
    found_by: str


def _u8(array: object) -> Gray:
    """OpenCV's results typed as what they are here: 8-bit images (no copy)."""
    return np.asarray(array, dtype=np.uint8)


def to_gray(image: npt.NDArray[np.generic]) -> Gray:
    """A gray 8-bit image from a gray, BGR or BGRA one; ``ValueError`` for anything else."""
    if not isinstance(image, np.ndarray) or image.dtype != np.uint8:
        raise ValueError("expected an 8-bit image (numpy uint8), as OpenCV reads them")
    pixels = _u8(image)
    if pixels.ndim == 2:
        return np.ascontiguousarray(pixels)
    if pixels.ndim == 3 and pixels.shape[2] == 1:
        return np.ascontiguousarray(pixels[:, :, 0])
    if pixels.ndim == 3 and pixels.shape[2] == 3:
        return _u8(cv2.cvtColor(pixels, cv2.COLOR_BGR2GRAY))
    if pixels.ndim == 3 and pixels.shape[2] == 4:
        return _u8(cv2.cvtColor(pixels, cv2.COLOR_BGRA2GRAY))
    raise ValueError(f"expected a gray, BGR or BGRA image, not shape {image.shape}")


def _zxing(
    gray: Gray, found_by: str, formats: _Whitelist, *, downscale: bool = True
) -> list[Decoded]:
    results = zxingcpp.read_barcodes(gray, formats=formats.zxing, try_downscale=downscale)
    return [
        Decoded(r.text, _SYMBOLOGY.get(r.format.name, r.format.name.lower()), found_by)
        for r in results
        if r.valid and r.text
    ]


def _zbar(gray: Gray, found_by: str, formats: _Whitelist) -> list[Decoded]:
    found = []
    for symbol in pyzbar.decode(gray, symbols=list(formats.zbar)):
        try:
            text = symbol.data.decode("utf-8")
        except UnicodeDecodeError:
            text = symbol.data.decode("latin-1")
        if text:
            found.append(Decoded(text, _SYMBOLOGY.get(symbol.type, symbol.type.lower()), found_by))
    return found


_Rect = tuple[tuple[float, float], tuple[float, float], float]


def _code_like_regions(gray: Gray) -> list[_Rect]:
    """Rotated rectangles around blobs of dense edges, most code-like first (full-size coords)."""
    half = cv2.resize(gray, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA)
    edges = cv2.morphologyEx(half, cv2.MORPH_GRADIENT, np.ones((3, 3), np.uint8))
    _, mask = cv2.threshold(edges, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
    mask = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, np.ones((5, 5), np.uint8))
    mask = cv2.morphologyEx(mask, cv2.MORPH_OPEN, np.ones((3, 3), np.uint8))
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    scored = []
    for contour in contours:
        area = cv2.contourArea(contour)
        if area < _MIN_REGION_AREA:
            continue
        (cx, cy), (w, h), angle = cv2.minAreaRect(contour)
        solidity = area / max(w * h, 1.0)  # a code fills its rectangle; clutter does not
        scored.append((area * solidity, ((cx * 2, cy * 2), (w * 2, h * 2), angle)))
    scored.sort(key=lambda item: -item[0])
    return [rect for _, rect in scored[:_MAX_REGIONS]]


def _upright_crop(gray: Gray, rect: _Rect) -> Gray:
    """The region cut out with its rotation undone and a margin kept, scaled to a workable size.

    One affine warp does the turn, the cut and the scaling: a small code is
    enlarged (up to 4x), a large region shrunk a little, so each read is cheap.
    """
    (cx, cy), (w, h), angle = rect
    if w < h:
        w, h, angle = h, w, angle + 90
    width, height = w * 1.25 + 16, h * 1.25 + 16
    scale = min(_MAX_ENLARGE, max(_MIN_SCALE, _CROP_TARGET / width))
    out_w, out_h = round(width * scale), round(height * scale)
    warp = cv2.getRotationMatrix2D((cx, cy), angle, scale)
    warp[0, 2] += out_w / 2 - cx
    warp[1, 2] += out_h / 2 - cy
    return _u8(
        cv2.warpAffine(
            gray, warp, (out_w, out_h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE
        )
    )


def _hard_passes(gray: Gray, formats: _Whitelist) -> Iterator[list[Decoded]]:
    """What to try, cheapest and likeliest first, once the fast pass found nothing."""
    crops = [_upright_crop(gray, rect) for rect in _code_like_regions(gray)]
    for crop in crops:
        yield _zxing(crop, "zxing-region", formats, downscale=False)
        yield _zxing(_u8(_CLAHE.apply(crop)), "zxing-region-clahe", formats, downscale=False)
    if crops:
        yield _zbar(crops[0], "zbar-region", formats)


def _unique(found: list[Decoded]) -> list[Decoded]:
    seen: set[str] = set()
    unique = []
    for item in found:
        if item.text not in seen:
            seen.add(item.text)
            unique.append(item)
    return unique


def decode_detailed(
    image: npt.NDArray[np.generic], symbologies: Collection[str] = SYMBOLOGIES
) -> list[Decoded]:
    """Every code found in ``image`` (gray, BGR or BGRA), each text once, with how it was found.

    ``symbologies`` narrows the search (``("qr",)``: QR only, a little faster);
    ``ValueError`` for one the decoder does not read.
    """
    formats = _ALL if tuple(symbologies) == SYMBOLOGIES else _Whitelist.of(symbologies)
    gray = to_gray(image)
    found = _zxing(gray, "zxing", formats)
    if found:
        return _unique(found)
    for attempt in _hard_passes(gray, formats):
        if attempt:
            return _unique(attempt)
    return []


def decode(image: npt.NDArray[np.generic]) -> list[str]:
    """The texts of the codes in ``image`` (gray, BGR or BGRA uint8), each once; ``[]`` if none."""
    return [item.text for item in decode_detailed(image)]
