"""Keyboard wedge (``wedge:``): a scanner typing into the app itself, told apart from a person.

A scanner in keyboard mode on a till without a grab types into whatever has
the focus. Its keys arrive a few milliseconds apart and end with Enter; a
person's arrive tens to hundreds of milliseconds apart. :class:`WedgeDecoder`
(pure: keystrokes and times in, scans or keystrokes out) holds each printable
key for at most ``interval`` seconds: a burst of at least ``min_length``
characters, every one within ``interval`` of the previous, ended by Enter or
Tab, is a scan; anything else is handed back, in order, as a person's keys.
A burst of one repeated character is never a scan (a held key auto-repeats
that fast). So a cashier typing an amount is never taken for a scan; the
price is that a person's key reaches the app up to ``interval`` late.

How an app uses it (the app's key names are opaque to the wedge)::

    wedge = open_scanner("wedge:")            # a WedgeScanner
    wedge.on_keys = replay                    # called with the keys that were a person's
    ...
    def on_key(event):                        # every key the app receives
        if not event.replayed and wedge.feed(event.key, event.character, event.time):
            event.stop()                      # held by the wedge: comes back via replay
    ...
    async for scan in wedge: ...              # scans, as from any other scanner

Timestamps must come from ``time.monotonic()`` (Textual's event times do).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from protocol.paycode import classify

from .aim import split_aim
from .hid.autolayout import FITS, layout_advice
from .hid.keymaps import LAYOUTS, layout_named, retype
from .scanner import Scan, Scanner, ScannerState
from .urls import AIM_OPTION, DeviceUrl, Option, SchemeSpec, register_scheme

__all__ = ["Keystroke", "WedgeCode", "WedgeDecoder", "WedgeScanner"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Keystroke:
    """One key as the app received it."""

    key: str  # the app's name for it ("a", "enter", "left"...)
    character: str | None  # what it types: "a", "\r" for Enter, "\t" for Tab; None: no text
    timestamp: float


@dataclass(frozen=True)
class WedgeCode:
    """A burst of keys that was a scanner."""

    text: str
    end: str  # the end character ("\r" or "\t"), "" when ended by a pause
    keys: tuple[Keystroke, ...]

    @property
    def timestamp(self) -> float:
        return self.keys[-1].timestamp


class WedgeDecoder:
    """Sorts keystrokes into scans and a person's keys. See the module docstring."""

    def __init__(
        self,
        *,
        interval: float = 0.035,
        min_length: int = 6,
        end_chars: str = "\r\n\t",
        end_on_pause: bool = False,
    ) -> None:
        self.interval = interval
        self.min_length = min_length
        self.end_chars = end_chars
        self.end_on_pause = end_on_pause
        self._held: list[Keystroke] = []

    @property
    def holding(self) -> bool:
        return bool(self._held)

    def deadline(self) -> float | None:
        """When :meth:`poll` must be called if no key comes before."""
        return self._held[-1].timestamp + self.interval if self._held else None

    def feed(self, key: Keystroke) -> list[Keystroke | WedgeCode]:
        """Take one key; return what is now decided, in order."""
        out: list[Keystroke | WedgeCode] = []
        if self._held and key.timestamp - self._held[-1].timestamp > self.interval:
            out += self._settle(end="")
        char = key.character
        if char is None or (not char.isprintable() and char not in self.end_chars):
            out += self.drain()
            out.append(key)
        elif char in self.end_chars:
            out += self._settle(end=char, end_key=key)
        else:
            self._held.append(key)
        return out

    def poll(self, now: float) -> list[Keystroke | WedgeCode]:
        """Let time pass: a burst with no key for ``interval`` seconds is decided."""
        deadline = self.deadline()
        if deadline is None or now < deadline:
            return []
        return self._settle(end="")

    def _settle(self, end: str, end_key: Keystroke | None = None) -> list[Keystroke | WedgeCode]:
        held = self._held
        text = "".join(k.character or "" for k in held)
        scanned = (
            len(text) >= self.min_length
            and len(set(text)) > 1
            and (end_key is not None or self.end_on_pause)
        )
        if scanned:
            self._held = []
            keys = (*held, end_key) if end_key is not None else tuple(held)
            return [WedgeCode(text=text, end=end, keys=keys)]
        out: list[Keystroke | WedgeCode] = list(self.drain())
        if end_key is not None:
            out.append(end_key)
        return out

    def drain(self) -> list[Keystroke]:
        """Hand back every held key now (the app is closing, or changes screen)."""
        held, self._held = self._held, []
        return held


KeysListener = Callable[[list[Keystroke]], None]


class WedgeScanner(Scanner):
    """The scanner for keys the app receives: :meth:`feed` them, iterate for scans."""

    def __init__(
        self,
        *,
        interval: float = 0.035,
        min_length: int = 6,
        end_on_pause: bool = False,
        aim: bool = True,
        name: str = "wedge",
        layout: str = "",
        typed: str = "us",
    ) -> None:
        super().__init__(name)
        self.layout = layout  # the scanner's: "" (the terminal's own), a name, or "auto"
        self.typed = layout_named(typed)  # the terminal's layout, which turned keys into text
        self.notes: list[str] = []  # what the layout check found, for the test tool
        self.decoder = WedgeDecoder(
            interval=interval, min_length=min_length, end_on_pause=end_on_pause
        )
        self.aim = aim
        self.on_keys: KeysListener | None = None
        """Called with keys that turned out to be a person's; the app replays them."""
        self._timer: asyncio.TimerHandle | None = None

    async def _run(self) -> None:
        self._set_state(ScannerState.CONNECTING)
        self._set_state(ScannerState.READY, "reading keys typed into the app")
        await asyncio.Event().wait()  # the keys come through feed()

    def feed(self, key: str, character: str | None, timestamp: float | None = None) -> bool:
        """Give the wedge a key the app received. True: the wedge took it.

        A key the wedge took is either part of a scan or comes back, in order,
        through :attr:`on_keys` (at most ``interval`` seconds later). False: the
        app handles the key now as usual (always so while the wedge is not open).
        """
        if self.state is not ScannerState.READY:
            return False  # not open, or closed: keys go to the app untouched
        stroke = Keystroke(key, character, time.monotonic() if timestamp is None else timestamp)
        was_holding = self.decoder.holding
        out = self.decoder.feed(stroke)
        if not was_holding and out == [stroke]:
            return False  # nothing held and not text: no need to take it
        self._handle(out)
        self._schedule()
        return True

    def _schedule(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        deadline = self.decoder.deadline()
        if deadline is not None:
            delay = max(0.0, deadline - time.monotonic())
            self._timer = asyncio.get_running_loop().call_later(delay, self._on_timer)

    def _on_timer(self) -> None:
        self._timer = None
        self._handle(self.decoder.poll(time.monotonic()))
        self._schedule()

    def _handle(self, out: list[Keystroke | WedgeCode]) -> None:
        keys: list[Keystroke] = []
        for item in out:
            if isinstance(item, Keystroke):
                keys.append(item)
                continue
            if keys:
                self._give_back(keys)
                keys = []
            aim, text = split_aim(self._read_as(item.text)) if self.aim else (None, item.text)
            self._emit(
                Scan(
                    text=text,
                    device=self.device,
                    raw=(item.text + item.end).encode(),
                    aim=aim,
                    timestamp=item.timestamp,
                )
            )
        if keys:
            self._give_back(keys)

    def _read_as(self, text: str) -> str:
        """The text as the scanner meant it, when its layout is not the terminal's."""
        if not self.layout:
            return text
        if self.layout != "auto":
            meant = retype(text, self.typed, layout_named(self.layout))
            return text if meant is None else meant
        readings = {name: retype(text, self.typed, layout) for name, layout in LAYOUTS.items()}
        fits = [n for n, r in readings.items() if r is not None and classify(r).kind in FITS]
        if fits and len({readings[n] for n in fits}) == 1:
            self.notes.append(layout_advice(fits))
            return readings[fits[0]] or text
        self.notes.append(f"not a payment code on any layout: read as typed {text!r}")
        return text  # never guessed: the till refuses it as today

    def _give_back(self, keys: list[Keystroke]) -> None:
        if self.on_keys is None:
            log.warning("wedge: %d keys of a person dropped: no on_keys set", len(keys))
            return
        self.on_keys(keys)

    async def close(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        held = self.decoder.drain()
        if held:
            self._give_back(held)
        await super().close()


def _from_url(url: DeviceUrl) -> WedgeScanner:
    return WedgeScanner(
        interval=url.int_option("interval", 35, 1, 1000) / 1000,
        min_length=url.int_option("min", 6, 2, 100),
        end_on_pause=url.bool_option("pause", False),
        aim=url.bool_option("aim", True),
        layout=url.choice("layout", ("", *LAYOUTS, "auto"), ""),
        typed=url.choice("typed", tuple(LAYOUTS), "us"),
    )


register_scheme(
    SchemeSpec(
        scheme="wedge",
        summary="scanner in keyboard mode typing into the app (the app feeds its keys)",
        forms=("wedge:", "wedge:?interval=50&min=8", "wedge:?layout=auto&typed=us"),
        factory=_from_url,
        path="none",
        options=(
            Option("interval", "most milliseconds between a scanner's keys", "35"),
            Option("min", "fewest characters in a scan", "6"),
            Option("pause", "a pause (no Enter) also ends a scan", "off", ("on", "off")),
            Option(
                "layout",
                "the scanner's keyboard layout when not the terminal's (auto: from the scans)",
                "the terminal's",
                (*LAYOUTS, "auto"),
            ),
            Option("typed", "the terminal's keyboard layout", "us", tuple(LAYOUTS)),
            AIM_OPTION,
        ),
    )
)
