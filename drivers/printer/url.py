"""Printer device URLs: which printer, where, and how, as one string for config and CLI.

    serial:///dev/ttyUSB0?baud=19200     a serial printer (pyserial)
    usb://04b8:0202                      a USB printer by vendor:product (the kernel's usblp node)
    tcp://192.168.1.50:9100              a network printer (raw port 9100)
    file:///dev/usb/lp0                  a device node or a file the bytes are written to
    sim:                                 a simulated printer: text and PNG files in a folder
    sim:///var/tmp/receipts              ... in that folder

Every kind takes ``width=58|80`` (paper, mm), ``chinese=gb18030|raster`` (the
printer's own Chinese font, or text drawn as an image for printers without
one), ``drawer=2|5`` (the drawer's connector pin) and ``timeout`` (seconds
an answer may take). A URL that is not one of these gets a
:class:`BadPrinterUrl` that lists them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qsl, unquote, urlsplit

from .errors import BadPrinterUrl

__all__ = ["ACCEPTED_URLS", "Paper", "PrinterUrl", "parse_printer_url"]

ACCEPTED_URLS = (
    "serial:///dev/ttyUSB0?baud=19200   a serial printer (options: baud)\n"
    "usb://04b8:0202                    a USB printer by vendor:product id\n"
    "tcp://192.168.1.50:9100            a network printer (port 9100 if none is given)\n"
    "file:///dev/usb/lp0                a device node (or a file) to write to\n"
    "sim: or sim:///folder              a simulated printer writing text and PNG files\n"
    "every kind: width=58|80, chinese=gb18030|raster, drawer=2|5, timeout=SECONDS"
)

_COMMON = frozenset({"width", "chinese", "drawer", "timeout"})
SCHEME_OPTIONS: dict[str, frozenset[str]] = {
    "serial": _COMMON | {"baud"},
    "usb": _COMMON,
    "tcp": _COMMON,
    "file": _COMMON,
    "sim": _COMMON,
}
_IDS = re.compile(r"^([0-9a-fA-F]{4}):([0-9a-fA-F]{4})$")


def _bad(url: str, why: str) -> BadPrinterUrl:
    return BadPrinterUrl(f"{url!r}: {why}. Accepted printer URLs:\n{ACCEPTED_URLS}")


@dataclass(frozen=True)
class Paper:
    """The paper roll: its width, and how many characters and dots fit across it.

    58 mm rolls print 32 characters of font A (12 dots) on 384 dots, and 42
    of the small font B; 80 mm rolls 48 and 64 on 576 dots. A Chinese
    character takes two columns.
    """

    width_mm: int = 80

    @property
    def columns(self) -> int:
        return 32 if self.width_mm == 58 else 48

    @property
    def small_columns(self) -> int:
        return 42 if self.width_mm == 58 else 64

    @property
    def dots(self) -> int:
        return 384 if self.width_mm == 58 else 576


@dataclass(frozen=True)
class PrinterUrl:
    """A parsed printer URL; the getters check each option."""

    url: str
    scheme: str
    path: str = ""  # serial, file, sim
    host: str = ""  # tcp
    port: int = 9100  # tcp
    vendor: int = 0  # usb
    product: int = 0  # usb
    options: tuple[tuple[str, str], ...] = ()

    def option(self, name: str) -> str | None:
        return dict(self.options).get(name)

    @property
    def paper(self) -> Paper:
        width = self.option("width") or "80"
        if width not in ("58", "80"):
            raise _bad(self.url, f"width={width} is not a paper width; use 58 or 80")
        return Paper(int(width))

    @property
    def chinese(self) -> str:
        mode = (self.option("chinese") or "gb18030").lower()
        if mode not in ("gb18030", "raster"):
            raise _bad(self.url, f"chinese={mode} is not known; use gb18030 or raster")
        return mode

    @property
    def drawer_pin(self) -> int:
        pin = self.option("drawer") or "2"
        if pin not in ("2", "5"):
            raise _bad(self.url, f"drawer={pin}: the drawer is on pin 2 or 5")
        return int(pin)

    @property
    def timeout(self) -> float:
        text = self.option("timeout") or "2"
        try:
            value = float(text)
        except ValueError:
            value = -1.0
        if not 0.05 <= value <= 60:
            raise _bad(self.url, f"timeout={text} must be a number of seconds from 0.05 to 60")
        return value

    @property
    def baud(self) -> int:
        text = self.option("baud") or "19200"
        if not text.isdigit() or not 300 <= int(text) <= 921600:
            raise _bad(self.url, f"baud={text} is not a serial speed (like 9600 or 19200)")
        return int(text)

    def check(self) -> PrinterUrl:
        """Read every option once, so a bad one is refused now and not at the first receipt."""
        _ = (self.paper, self.chinese, self.drawer_pin, self.timeout)
        if self.scheme == "serial":
            _ = self.baud
        return self


def parse_printer_url(url: str) -> PrinterUrl:
    """Split and check ``url``; raise :class:`BadPrinterUrl` with the accepted forms if off."""
    url = url.strip()
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in SCHEME_OPTIONS:
        why = f"unknown kind {scheme!r}" if scheme else "no kind of printer given (like tcp:)"
        raise _bad(url, why)
    try:
        pairs = parse_qsl(parts.query, keep_blank_values=True, strict_parsing=bool(parts.query))
    except ValueError:
        raise _bad(url, "the options after ? must look like name=value&name=value") from None
    names = [name for name, _ in pairs]
    unknown = sorted(set(names) - SCHEME_OPTIONS[scheme])
    if unknown:
        allowed = ", ".join(sorted(SCHEME_OPTIONS[scheme]))
        why = f"unknown option {', '.join(unknown)} (a {scheme} printer takes: {allowed})"
        raise _bad(url, why)
    if len(set(names)) != len(names):
        raise _bad(url, "an option is given twice")
    options = tuple(pairs)
    path = unquote(parts.path)
    if scheme == "tcp":
        try:
            port = parts.port or 9100
        except ValueError:
            raise _bad(url, "the port after the host must be a number from 1 to 65535") from None
        if not parts.hostname or path not in ("", "/"):
            raise _bad(url, "a network printer is tcp://HOST:PORT")
        return PrinterUrl(url, scheme, host=parts.hostname, port=port, options=options).check()
    if scheme == "usb":
        found = _IDS.match(parts.netloc)
        if found is None or path not in ("", "/"):
            raise _bad(url, "a USB printer is usb://VVVV:PPPP (its vendor and product ids in hex)")
        vendor, product = (int(found.group(i), 16) for i in (1, 2))
        return PrinterUrl(url, scheme, vendor=vendor, product=product, options=options).check()
    if parts.netloc:
        raise _bad(url, f"use three slashes before an absolute path ({scheme}:///dev/...)")
    if scheme in ("serial", "file") and not path.startswith("/"):
        raise _bad(url, f"a {scheme} printer needs an absolute path, like {scheme}:///dev/...")
    if scheme == "sim" and path and not path.startswith("/"):
        raise _bad(url, "a sim printer's folder is an absolute path (sim:///var/tmp/receipts)")
    return PrinterUrl(url, scheme, path=path, options=options).check()
