"""What can go wrong with a PIN pad, each with one plain message in English and Chinese.

The branch tells the terminal what to do next::

    PinPadError                  base of everything a PIN pad raises
    ├── PinEntryEnded            no PIN this time; the pad works (ask again or stop)
    │   ├── CustomerCancelled    the customer pressed Cancel on the pad
    │   ├── PinEntryTimeout      nobody finished the PIN in time
    │   └── PinEntryStopped      the terminal itself called ``cancel()``
    ├── PinPadUnavailable        the pad cannot be reached: not there, not answering,
    │                            disconnected (check the cable or the pad's app)
    ├── PinPadFault              the pad answered that it cannot do what was asked
    └── BadPinPadUrl             the device URL is not one we understand (also a ValueError)

A message never carries the PIN: nothing that raises here ever holds it.
"""

from __future__ import annotations

from drivers.errors import DeviceError

__all__ = [
    "BadPinPadUrl",
    "CustomerCancelled",
    "PinEntryEnded",
    "PinEntryStopped",
    "PinEntryTimeout",
    "PinPadError",
    "PinPadFault",
    "PinPadUnavailable",
]


class PinPadError(DeviceError):
    """Base class; ``message(lang)`` is what a cashier reads."""

    en = "The PIN pad did not work."
    zh = "密码键盘出错。"


class PinEntryEnded(PinPadError):
    """The PIN entry ended without a PIN; the pad itself is fine."""


class CustomerCancelled(PinEntryEnded):
    en = "The customer cancelled the PIN entry."
    zh = "顾客取消了密码输入。"


class PinEntryTimeout(PinEntryEnded):
    en = "The PIN was not entered in time."
    zh = "输入密码超时。"


class PinEntryStopped(PinEntryEnded):
    en = "The PIN entry was stopped at the till."
    zh = "收银台已停止密码输入。"


class PinPadUnavailable(PinPadError):
    en = "The PIN pad is not answering. Check its cable or its app, then try again."
    zh = "密码键盘无响应，请检查连接线或键盘程序后重试。"


class PinPadFault(PinPadError):
    en = "The PIN pad reported a fault."
    zh = "密码键盘报告故障。"


class BadPinPadUrl(PinPadError, ValueError):
    en = "The PIN pad's device URL is not valid."
    zh = "密码键盘的设备地址无效。"

    def __str__(self) -> str:
        return f"{self.en[:-1]}: {self.detail}" if self.detail else self.en
