"""A simulated PIN pad: a scripted customer, for demos and for tests of the parts above it.

Each :meth:`read_pin` takes the next step of the script: a PIN (sealed like a
real pad seals it), ``cancel`` (the customer presses Cancel) or ``timeout``
(the customer never finishes). The last step repeats, so ``sim:?pins=123456``
always answers 123456. Everything the pad showed is kept in ``shown``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from protocol.pin import ClearPin, PinEnvelope

from .base import PinPad, PinRequest
from .errors import CustomerCancelled

__all__ = ["CANCEL", "TIMEOUT", "SimPinPad"]

CANCEL = "cancel"
TIMEOUT = "timeout"


class SimPinPad(PinPad):
    description = "simulated PIN pad"

    def __init__(self, script: Sequence[str] = ("123456",), *, delay: float = 0.0) -> None:
        super().__init__()
        if not script:
            raise ValueError("the simulated pad needs at least one step (a PIN, cancel or timeout)")
        for step in script:
            if step not in (CANCEL, TIMEOUT):
                ClearPin(step)  # raises ValueError for anything that is not 4-12 digits
        if delay < 0:
            raise ValueError("delay must not be negative")
        self._script = list(script)
        self._delay = delay
        self._next = 0
        self.shown: list[str] = []

    def _next_step(self) -> str:
        step = self._script[min(self._next, len(self._script) - 1)]
        self._next += 1
        return step

    async def _read_pin(self, request: PinRequest) -> PinEnvelope:
        self.shown.append(request.prompt_text())
        step = self._next_step()
        if step == TIMEOUT:
            await asyncio.Event().wait()  # the customer walked away; read_pin's timeout ends it
        per_key = self._delay / (len(step) + 1)
        if step == CANCEL:
            await asyncio.sleep(self._delay)
            raise CustomerCancelled()
        for typed in range(1, len(step) + 1):
            await asyncio.sleep(per_key)
            self._digits_typed(typed)
        await asyncio.sleep(per_key)
        return request.seal(ClearPin(step))

    async def _show_message(self, text: str) -> None:
        self.shown.append(text)

    async def _end_entry(self) -> None:
        self.shown.append("")
