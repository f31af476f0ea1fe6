"""PIN pads: one async interface (:class:`PinPad`), chosen by a device URL with :func:`open_pinpad`.

    serial:///dev/ttyUSB1?baud=9600          SerialPinPad  (framed protocol, PROTOCOL.md)
    hid:///dev/input/by-id/usb-X-event-kbd   KeypadPinPad  (USB numeric keypad, evdev)
    socket:///run/scanpay/pinpad.sock        SocketPinPad  (the virtual pad app scanpay-pinpad)
    sim:?pins=123456,cancel&delay=0.5        SimPinPad     (scripted customer)

The clear PIN never leaves the pad's side: every pad hands back a sealed
:class:`protocol.pin.PinEnvelope`.
"""

from .base import PinPad, PinRequest
from .entry import PinPolicy
from .errors import (
    BadPinPadUrl,
    CustomerCancelled,
    PinEntryEnded,
    PinEntryStopped,
    PinEntryTimeout,
    PinPadError,
    PinPadFault,
    PinPadUnavailable,
)
from .keypad import KeypadPinPad
from .serial_pad import SerialPinPad
from .sim_pad import SimPinPad
from .socket_pad import SocketPinPad
from .url import ACCEPTED_URLS, parse_pinpad_url

__all__ = [
    "ACCEPTED_URLS",
    "BadPinPadUrl",
    "CustomerCancelled",
    "KeypadPinPad",
    "PinEntryEnded",
    "PinEntryStopped",
    "PinEntryTimeout",
    "PinPad",
    "PinPadError",
    "PinPadFault",
    "PinPadUnavailable",
    "PinPolicy",
    "PinRequest",
    "SerialPinPad",
    "SimPinPad",
    "SocketPinPad",
    "open_pinpad",
    "parse_pinpad_url",
]


def open_pinpad(url: str) -> PinPad:
    """The pad for ``url``, not yet opened: use it as ``async with open_pinpad(url) as pad:``.

    Raises :class:`BadPinPadUrl` (a ``ValueError``) listing the accepted URLs.
    """
    parsed = parse_pinpad_url(url)
    if parsed.scheme == "serial":
        return SerialPinPad(
            parsed.path,
            baudrate=parsed.integer("baud", 9600, minimum=1),
            ack_timeout=parsed.number("ack_timeout", 0.5, minimum=0.01),
            retries=parsed.integer("retries", 3),
        )
    if parsed.scheme == "hid":
        return KeypadPinPad(parsed.path, grab=parsed.flag("grab", True))
    if parsed.scheme == "socket":
        return SocketPinPad(parsed.path)
    if parsed.scheme == "sim":
        try:
            return SimPinPad(parsed.listing("pins", ["123456"]), delay=parsed.number("delay", 0.0))
        except ValueError as exc:
            raise BadPinPadUrl(f"{url!r}: {exc}. Accepted PIN pad URLs:\n{ACCEPTED_URLS}") from None
    raise BadPinPadUrl(f"{url!r}: not supported yet. Accepted PIN pad URLs:\n{ACCEPTED_URLS}")
