"""What can go wrong with a receipt printer, each with one plain message in English and Chinese.

The branch tells the till what to do next::

    PrinterError                 base of everything a printer raises
    ├── PrinterUnavailable       cannot be reached: unplugged, no such device, refused
    ├── PrinterNotAnswering      reached, but no answer in time (off, wrong port)
    ├── PrinterGarbage           answers, but not in ESC/POS (wrong baud rate, not a printer)
    ├── PrinterFault             says it cannot print now: paper out, cover open, an error
    └── BadPrinterUrl            the device URL is not one we understand (also a ValueError)

Whatever is raised, a receipt that did not print stays in the till's queue.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from drivers.errors import DeviceError

if TYPE_CHECKING:
    from .status import PrinterStatus

__all__ = [
    "BadPrinterUrl",
    "PrinterError",
    "PrinterFault",
    "PrinterGarbage",
    "PrinterNotAnswering",
    "PrinterUnavailable",
]


class PrinterError(DeviceError):
    """Base class; ``message(lang)`` is what a cashier reads."""

    en = "The receipt printer did not work."
    zh = "小票打印机出错。"


class PrinterUnavailable(PrinterError):
    en = "The receipt printer is not connected. Check its cable and power."
    zh = "小票打印机未连接，请检查连接线和电源。"


class PrinterNotAnswering(PrinterError):
    en = "The receipt printer does not answer. Check that it is switched on."
    zh = "小票打印机无响应，请检查是否已开机。"


class PrinterGarbage(PrinterError):
    en = "The receipt printer's answer makes no sense. Check the port settings (baud rate)."
    zh = "小票打印机的回应无法识别，请检查端口设置（波特率）。"


class PrinterFault(PrinterError):
    """The printer is there and says it cannot print; ``status`` says why."""

    def __init__(self, status: PrinterStatus, detail: str = "") -> None:
        self.status = status
        super().__init__(detail or status.words("en"))

    def message(self, lang: str = "en") -> str:
        return self.status.words(lang)


class BadPrinterUrl(PrinterError, ValueError):
    en = "The receipt printer's device URL is not valid."
    zh = "小票打印机的设备地址无效。"

    def __str__(self) -> str:
        return f"{self.en[:-1]}: {self.detail}" if self.detail else self.en
