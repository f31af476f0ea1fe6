"""The payment code as pictures for the wallet page: a QR and a Code128, as SVG.

Drawn on the server from :mod:`protocol.symbols`, so the page needs no script
library and no CDN. Each SVG has a ``viewBox`` in modules, dark runs merged
into rectangles and ``crispEdges``, so it stays sharp at any size the phone
gives it (the Code128 may be stretched in height: only its bars' widths count).
"""

from __future__ import annotations

from protocol.symbols import QR_QUIET_ZONE, code128_modules, dark_runs, qr_modules

__all__ = ["code128_svg", "qr_svg"]

_QUIET_128 = 10  # modules of white each side of a Code128
_BAR_HEIGHT = 40  # a Code128 bar's height in modules (the page stretches it)


def _svg(width: int, height: int, rects: list[str], label: str, *, stretch: bool = False) -> str:
    aspect = ' preserveAspectRatio="none"' if stretch else ""
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}"{aspect} '
        f'shape-rendering="crispEdges" role="img" aria-label="{label}">'
        f'<rect width="{width}" height="{height}" fill="#fff"/>'
        f'<g fill="#000">{"".join(rects)}</g></svg>'
    )


def qr_svg(text: str) -> str:
    matrix = qr_modules(text)
    size = len(matrix) + 2 * QR_QUIET_ZONE
    rects = [
        f'<rect x="{x + QR_QUIET_ZONE}" y="{y + QR_QUIET_ZONE}" width="{n}" height="1"/>'
        for y, row in enumerate(matrix)
        for x, n in dark_runs(row)
    ]
    return _svg(size, size, rects, "QR code")


def code128_svg(text: str) -> str:
    modules = code128_modules(text)
    width = len(modules) + 2 * _QUIET_128
    rects = [
        f'<rect x="{x + _QUIET_128}" y="0" width="{n}" height="{_BAR_HEIGHT}"/>'
        for x, n in dark_runs(modules)
    ]
    return _svg(width, _BAR_HEIGHT, rects, "barcode", stretch=True)
