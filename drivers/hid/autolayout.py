"""``layout=auto``: the keyboard layout a scanner types, found from its scans.

Key codes are physical. Our payment codes are digits (ending in a Luhn
digit), and US, FR and DE put the digits on the same keys with different
Shift states: AZERTY types them with Shift on the top row, where US and DE
type them plain. So the same key presses read as digits on one layout and
as ``&é"'(`` or ``!@#$%`` on another. Each code is decoded on every layout at
once; a layout that reads it as a payment code (:func:`protocol.paycode.classify`:
our own with its Luhn digit, or another issuer's) fits it. After
:data:`SETTLE_AFTER` payment codes in a row that fit the same layouts, the
layout is settled (and the driver remembers it for the device).

Nothing is guessed: before it is settled, a text that no layout reads as a
payment code is passed on as the first layout reads it, exactly as a fixed
``layout=us`` would (the till refuses it as not a payment code), with a note
of how each layout read it for the scanner test tool. US and DE type digits
alike, so digits alone cannot tell them apart; either reads a payment code
right, and the note says so.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace

from protocol.paycode import CodeKind, classify

from .decoder import DecodedCode, HidDecoder
from .keymaps import LAYOUTS, Layout

__all__ = ["FITS", "LAYOUT_WORDS", "SETTLE_AFTER", "AutoLayoutDecoder", "layout_advice"]

SETTLE_AFTER = 3
LAYOUT_WORDS = {"us": "QWERTY (US)", "fr": "AZERTY (FR)", "de": "QWERTZ (DE)"}
FITS = (CodeKind.OWN, CodeKind.EXTERNAL)  # what a payment code reads as


def layout_advice(names: Iterable[str]) -> str:
    """What the test tool tells a field tech about the layouts a scanner's codes fit."""
    fits = [n for n in LAYOUTS if n in set(names)]
    if fits == ["fr"]:
        return "this scanner types AZERTY; set layout=fr or leave auto"
    if fits and set(fits) <= {"us", "de"}:
        return (
            "this scanner types QWERTY or QWERTZ (digits are typed alike on both); "
            "set layout=us (or de) or leave auto"
        )
    words = " or ".join(LAYOUT_WORDS[n] for n in fits)
    return f"this scanner types {words}; leave layout=auto"


class AutoLayoutDecoder:
    """A :class:`HidDecoder` per layout, fed the same events; each code read on the one that fits.

    ``settled``: a layout already known for this device (its codes are read on
    it alone). ``on_settled`` is called once when the scans settle one.
    """

    def __init__(
        self,
        *,
        layouts: Iterable[Layout] = LAYOUTS.values(),
        settled: Layout | None = None,
        on_settled: Callable[[Layout], None] | None = None,
        end_keys: Iterable[str] = ("enter", "kpenter", "tab"),
        gap: float | None = 0.1,
        numlock: bool = True,
    ) -> None:
        self.decoders = {
            layout.name: HidDecoder(layout, end_keys=end_keys, gap=gap, numlock=numlock)
            for layout in layouts
        }
        self.first = next(iter(self.decoders.values()))
        self.settled = settled
        self.on_settled = on_settled
        self.fitting: frozenset[str] = frozenset()  # the layouts the streak's codes fit
        self.streak = 0

    # the decoder's interface, as the driver uses it
    @property
    def layout(self) -> Layout:
        return self.settled or self.first.layout

    @property
    def pending(self) -> str:
        return self._primary.pending

    @property
    def unmapped(self) -> int:
        return self._primary.unmapped

    @property
    def numlock_taps(self) -> int:
        return self.first.numlock_taps

    @property
    def keypad_keys(self) -> int:
        return self.first.keypad_keys

    @property
    def _primary(self) -> HidDecoder:
        return self.decoders[self.settled.name] if self.settled else self.first

    def set_locks(self, numlock: bool, capslock: bool) -> None:
        for decoder in self.decoders.values():
            decoder.set_locks(numlock, capslock)

    def feed(self, ev_type: int, code: int, value: int, timestamp: float) -> DecodedCode | None:
        done = {name: d.feed(ev_type, code, value, timestamp) for name, d in self.decoders.items()}
        return self._choose(done)

    def flush(self) -> DecodedCode | None:
        return self._choose({name: d.flush() for name, d in self.decoders.items()})

    def reset(self) -> str:
        dropped = self._primary.pending
        for decoder in self.decoders.values():
            decoder.reset()
        return dropped

    # -- choosing ----------------------------------------------------------------------------

    def _choose(self, done: dict[str, DecodedCode | None]) -> DecodedCode | None:
        codes = {name: code for name, code in done.items() if code is not None}
        if not codes:
            return None
        if self.settled is not None and self.settled.name in codes:
            return codes[self.settled.name]
        fits = [name for name, code in codes.items() if classify(code.text).kind in FITS]
        if fits and len({codes[name].text for name in fits}) == 1:
            self._count(frozenset(fits))
            return replace(codes[fits[0]], notes=(f"{layout_advice(fits)}",))
        readings = ", ".join(f"{name} {code.text!r}" for name, code in codes.items())
        why = "fits no keyboard layout" if not fits else "fits several layouts differently"
        chosen = codes.get(self.first.layout.name) or next(iter(codes.values()))
        return replace(chosen, notes=(f"not a payment code on any layout ({why}): {readings}",))

    def _count(self, fits: frozenset[str]) -> None:
        if fits == self.fitting:
            self.streak += 1
        else:
            self.fitting, self.streak = fits, 1
        if self.streak >= SETTLE_AFTER:
            self.settled = self.decoders[next(n for n in self.decoders if n in fits)].layout
            if self.on_settled is not None:
                self.on_settled(self.settled)
