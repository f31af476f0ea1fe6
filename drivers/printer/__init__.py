"""Receipt printers and the cash drawer: one async interface (:class:`ReceiptPrinter`), chosen by
a device URL with :func:`open_printer`.

    serial:///dev/ttyUSB0?baud=19200     EscPosPrinter over pyserial
    usb://04b8:0202                      EscPosPrinter on the usblp node of that vendor:product
    tcp://192.168.1.50:9100              EscPosPrinter over a TCP socket
    file:///dev/usb/lp0                  EscPosPrinter writing to a device node or a file
    sim: / sim:///folder                 SimPrinter: text and PNG files

Options for all: ``width=58|80``, ``chinese=gb18030|raster``, ``drawer=2|5``,
``timeout``. ``scanpay-printer-test URL`` prints a test page;
``scanpay-printer-emulator`` plays an ESC/POS printer on a pty or a port.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from .base import ReceiptPrinter
from .document import Align, Barcode, Block, Document, QrCode, Rule, Text, cells, row
from .errors import (
    BadPrinterUrl,
    PrinterError,
    PrinterFault,
    PrinterGarbage,
    PrinterNotAnswering,
    PrinterUnavailable,
)
from .escpos_printer import EscPosPrinter
from .sim_printer import SimPrinter
from .status import DrawerState, PrinterState, PrinterStatus
from .transport import FileTransport, SerialTransport, TcpTransport, Transport, usb_printer_node
from .url import ACCEPTED_URLS, Paper, PrinterUrl, parse_printer_url

__all__ = [
    "ACCEPTED_URLS",
    "Align",
    "BadPrinterUrl",
    "Barcode",
    "Block",
    "Document",
    "DrawerState",
    "EscPosPrinter",
    "Paper",
    "PrinterError",
    "PrinterFault",
    "PrinterGarbage",
    "PrinterNotAnswering",
    "PrinterState",
    "PrinterStatus",
    "PrinterUnavailable",
    "PrinterUrl",
    "QrCode",
    "ReceiptPrinter",
    "Rule",
    "SimPrinter",
    "Text",
    "cells",
    "open_printer",
    "parse_printer_url",
    "row",
]

DEFAULT_SIM_FOLDER = Path(tempfile.gettempdir()) / "scanpay-printer"


def open_printer(url: str, *, sim_folder: Path | None = None) -> ReceiptPrinter:
    """The printer for ``url``, not connected yet (it connects at first use, and again after a
    failure). ``sim_folder`` is where ``sim:`` without a path writes.

    Raises :class:`BadPrinterUrl` (a ``ValueError``) listing the accepted URLs.
    """
    parsed = parse_printer_url(url)
    paper, timeout = parsed.paper, parsed.timeout
    if parsed.scheme == "sim":
        folder = Path(parsed.path) if parsed.path else (sim_folder or DEFAULT_SIM_FOLDER)
        return SimPrinter(folder, paper)

    def make_transport() -> Transport:
        if parsed.scheme == "serial":
            return SerialTransport(parsed.path, parsed.baud, timeout)
        if parsed.scheme == "tcp":
            return TcpTransport(parsed.host, parsed.port, timeout)
        if parsed.scheme == "usb":
            return _UsbTransport(parsed.vendor, parsed.product, timeout)
        return FileTransport(parsed.path, timeout)

    return EscPosPrinter(
        make_transport, paper, chinese=parsed.chinese, drawer_pin=parsed.drawer_pin
    )


class _UsbTransport(FileTransport):
    """The usblp node of vendor:product, looked up again at each connection (it may move)."""

    def __init__(self, vendor: int, product: int, timeout: float) -> None:
        super().__init__("", timeout)
        self.ids = (vendor, product)
        self.description = f"usb {vendor:04x}:{product:04x}"

    async def open(self) -> None:
        self.path = usb_printer_node(*self.ids)
        await super().open()
