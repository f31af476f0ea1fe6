"""scanpay-printer-test URL [--drawer]: the field tech's check of a receipt printer.

Prints a test page (English and Chinese text with the word 测试, a QR code,
a Code128, a cut), pulses the drawer with ``--drawer``, and prints the
printer's status in plain words. Exit status: 0 printed, 1 the printer
reports a fault (paper, cover, error), 2 a bad URL or no printer there.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time

from . import open_printer
from .base import ReceiptPrinter
from .document import Align, Barcode, Document, QrCode, Rule, Text
from .errors import BadPrinterUrl, PrinterError, PrinterFault
from .url import ACCEPTED_URLS, Paper

__all__ = ["main", "printer_test_page"]

TEST_CODE = "P2612040000000001test"


def printer_test_page(paper: Paper, url: str) -> Document:
    """English and Chinese, a QR and a Code128: everything a receipt needs, on one page."""
    return Document(
        (
            Text("ScanPay", bold=True, big=True, align=Align.CENTER),
            Text("PRINTER TEST 打印测试", bold=True, align=Align.CENTER),
            Rule(),
            Text(url[: paper.columns]),
            Text(f"{paper.width_mm} mm, {paper.columns} columns"),
            Text(time.strftime("%Y-%m-%d %H:%M:%S")),
            Text("English: the quick brown fox"),
            Text("中文：测试 收银 小票 一二三"),
            Rule(),
            Barcode(TEST_CODE),
            QrCode(TEST_CODE),
            Text("OK = ready / 正常即可使用", align=Align.CENTER),
        ),
        title="test-page",
        columns=paper.columns,
    )


def _say(what: str, exc: PrinterError) -> None:
    detail = f" ({exc.detail})" if exc.detail and not isinstance(exc, PrinterFault) else ""
    print(f"{what}: {exc.message('en')} / {exc.message('zh')}{detail}")


async def _run(url: str, drawer: bool) -> int:
    printer = open_printer(url)
    try:
        async with printer:
            return await _check(printer, url, drawer)
    except PrinterFault as exc:
        _say("NOT PRINTED", exc)
        return 1
    except PrinterError as exc:
        _say("NOT PRINTED", exc)
        return 2


async def _check(printer: ReceiptPrinter, url: str, drawer: bool) -> int:
    await printer.print(printer_test_page(printer.paper, url))
    print("printed the test page / 测试页已打印")
    if drawer:
        await printer.pulse_drawer()
        print("drawer pulsed / 钱箱已弹开")
    status = await printer.status()
    drawer_words = f", drawer {status.drawer.value}" if status.drawer else ""
    print(f"status: {status.words('en')} / {status.words('zh')}{drawer_words}")
    return 0 if status.can_print else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="scanpay-printer-test",
        description="Print a test page on a receipt printer and show its status.",
        epilog="Printer URLs:\n" + ACCEPTED_URLS,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("url", help="the printer's device URL, e.g. tcp://192.168.1.50:9100")
    parser.add_argument("--drawer", action="store_true", help="also pulse the cash drawer")
    args = parser.parse_args(argv)
    try:
        return asyncio.run(_run(args.url, args.drawer))
    except BadPrinterUrl as exc:
        print(f"error: {exc.en} / {exc.zh}\n{exc.detail}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
