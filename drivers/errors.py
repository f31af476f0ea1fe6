"""The base of the device errors (PIN pads, printers): one plain message in English and Chinese.

Each kind of device has its own small hierarchy (``drivers.pinpad.errors``,
``drivers.printer.errors``); every class in it sets ``en`` and ``zh``, and
``detail`` (for the log and the field tech, English) says what exactly happened.
"""

from __future__ import annotations

__all__ = ["DeviceError"]


class DeviceError(Exception):
    """Base class; ``message(lang)`` is what a cashier reads."""

    en = "The device did not work."
    zh = "设备出错。"

    def __init__(self, detail: str = "") -> None:
        self.detail = detail
        super().__init__(self.en + (f" ({detail})" if detail else ""))

    def message(self, lang: str = "en") -> str:
        """The plain message in ``lang`` ("en" or "zh"; anything else is English)."""
        return self.zh if lang.lower().startswith("zh") else self.en
