"""PIN pad device URLs: which pad, where, and its options, as one string for config and CLI.

    serial:///dev/ttyUSB1?baud=9600          a serial PIN pad speaking drivers/pinpad/PROTOCOL.md
    hid:///dev/input/by-id/usb-X-event-kbd   a USB numeric keypad read through evdev
    socket:///run/scanpay/pinpad.sock        the virtual pad app (scanpay-pinpad)
    sim:?pins=123456,cancel&delay=0.5        a simulated pad

A URL that is not one of these gets a :class:`BadPinPadUrl` that lists them.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qsl, unquote, urlsplit

from .errors import BadPinPadUrl

__all__ = ["ACCEPTED_URLS", "SCHEME_OPTIONS", "PadUrl", "parse_pinpad_url"]

ACCEPTED_URLS = (
    "serial:///dev/ttyUSB1?baud=9600   a serial PIN pad (options: baud, ack_timeout, retries)\n"
    "hid:///dev/input/by-id/usb-X-event-kbd   a USB numeric keypad through evdev "
    "(options: grab=0|1)\n"
    "socket:///run/scanpay/pinpad.sock   the virtual pad app scanpay-pinpad (no options)\n"
    "sim:?pins=123456,cancel&delay=0.5   a simulated pad (options: pins, delay)"
)

#: the options each scheme takes; anything else is refused so a typo is not silently ignored
SCHEME_OPTIONS: dict[str, frozenset[str]] = {
    "serial": frozenset({"baud", "ack_timeout", "retries"}),
    "hid": frozenset({"grab"}),
    "socket": frozenset(),
    "sim": frozenset({"pins", "delay"}),
}
_NEEDS_PATH = frozenset({"serial", "hid", "socket"})


def _bad(url: str, why: str) -> BadPinPadUrl:
    return BadPinPadUrl(f"{url!r}: {why}. Accepted PIN pad URLs:\n{ACCEPTED_URLS}")


@dataclass(frozen=True)
class PadUrl:
    """A parsed PIN pad URL: the scheme, the device path (may be empty) and the options."""

    url: str
    scheme: str
    path: str
    options: dict[str, str]

    def number(self, name: str, default: float, *, minimum: float = 0.0) -> float:
        text = self.options.get(name)
        if text is None:
            return default
        try:
            value = float(text)
        except ValueError:
            raise _bad(self.url, f"option {name}={text!r} is not a number") from None
        if not value >= minimum:
            raise _bad(self.url, f"option {name}={text!r} must be at least {minimum:g}")
        return value

    def integer(self, name: str, default: int, *, minimum: int = 0) -> int:
        text = self.options.get(name)
        if text is None:
            return default
        if not text.isdigit() or int(text) < minimum:
            raise _bad(self.url, f"option {name}={text!r} must be a whole number >= {minimum}")
        return int(text)

    def flag(self, name: str, default: bool) -> bool:
        text = self.options.get(name)
        if text is None:
            return default
        if text.lower() not in ("0", "1", "true", "false", "yes", "no"):
            raise _bad(self.url, f"option {name}={text!r} must be 0 or 1")
        return text.lower() in ("1", "true", "yes")

    def listing(self, name: str, default: list[str]) -> list[str]:
        text = self.options.get(name)
        if text is None:
            return default
        return [item.strip() for item in text.split(",") if item.strip()]


def parse_pinpad_url(url: str) -> PadUrl:
    """Split and check ``url``; raise :class:`BadPinPadUrl` with the accepted forms if it is off."""
    url = url.strip()
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in SCHEME_OPTIONS:
        why = f"unknown kind {scheme!r}" if scheme else "no kind of pad given (like serial:)"
        raise _bad(url, why)
    if parts.netloc:
        raise _bad(url, f"use three slashes before an absolute path ({scheme}:///dev/...)")
    path = unquote(parts.path)
    if scheme in _NEEDS_PATH and not path.startswith("/"):
        raise _bad(url, f"a {scheme} pad needs an absolute device path")
    if scheme not in _NEEDS_PATH and path:
        raise _bad(url, f"a {scheme} pad takes no path")
    try:
        pairs = parse_qsl(parts.query, keep_blank_values=True, strict_parsing=bool(parts.query))
    except ValueError:
        raise _bad(url, "the options after ? must look like name=value&name=value") from None
    options = dict(pairs)
    unknown = sorted(set(options) - SCHEME_OPTIONS[scheme])
    if unknown:
        allowed = ", ".join(sorted(SCHEME_OPTIONS[scheme])) or "none"
        raise _bad(url, f"unknown option {', '.join(unknown)} (a {scheme} pad takes: {allowed})")
    return PadUrl(url=url, scheme=scheme, path=path, options=options)
