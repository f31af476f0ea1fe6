"""Where the payment session gets the customer's PIN: the PIN pad, or the SMS code.

The session asks a :data:`~terminal_sdk.session.PinSource` when a payment is
above the customer's no-PIN limit. At the till the answer comes from
whichever is first: the PIN pad facing the customer (a sealed envelope, or
the customer pressing Cancel), or the SMS code the customer reads out and
the cashier types. The clear PIN never reaches this side.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Protocol

from protocol.pin import PinEnvelope
from terminal_sdk.session import PinRequest, SmsCode

__all__ = ["CashierPinSource", "PadOpener", "PadReader", "PadUnavailable"]

log = logging.getLogger(__name__)


class PadReader(Protocol):
    """The PIN pad as the till uses it: read one sealed PIN for a request (None: cancelled)."""

    async def read(
        self, request: PinRequest, on_digits: Callable[[int], None]
    ) -> PinEnvelope | None: ...

    async def show(self, text: str) -> None:
        """Show the customer a message (the result)."""

    async def close(self) -> None: ...


class PadUnavailable(Exception):
    """The PIN pad cannot be used (not there, not connected); the message says why in plain words.

    Raised by :meth:`PadReader.read` too: the PIN is then taken as the SMS code.
    """


PadOpener = Callable[[str], Awaitable[PadReader]]
"""Opens the pad a ``[devices] pinpad`` URL names (raises :class:`PadUnavailable`)."""


class CashierPinSource:
    """A ``PinSource``: the pad's envelope or the cashier's SMS code, whichever comes first."""

    def __init__(
        self,
        pad: PadReader | None = None,
        *,
        on_request: Callable[[PinRequest], None] | None = None,
        on_digits: Callable[[int], None] | None = None,
        on_pad_failed: Callable[[str], None] | None = None,
    ) -> None:
        self.pad = pad
        self._on_request = on_request
        self._on_digits = on_digits
        self._on_pad_failed = on_pad_failed
        self._sms: asyncio.Future[SmsCode] | None = None

    @property
    def waiting(self) -> bool:
        return self._sms is not None and not self._sms.done()

    def give_sms_code(self, digits: str) -> bool:
        """The cashier typed the customer's SMS code; False if no PIN is asked for now."""
        if not self.waiting or self._sms is None:
            return False
        self._sms.set_result(SmsCode(digits))
        return True

    async def __call__(self, request: PinRequest) -> PinEnvelope | SmsCode | None:
        if self._on_request is not None:
            self._on_request(request)
        sms: asyncio.Future[SmsCode] = asyncio.get_running_loop().create_future()
        self._sms = sms
        waits: set[asyncio.Future[object]] = {sms}  # type: ignore[arg-type]
        pad_task: asyncio.Task[PinEnvelope | None] | None = None
        if self.pad is not None and not request.locked:
            pad_task = asyncio.create_task(self.pad.read(request, self._digits))
            waits.add(pad_task)  # type: ignore[arg-type]
        try:
            done, _ = await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
            if pad_task in done and isinstance(pad_task.exception(), PadUnavailable):
                # no pad to type on: the SMS code the customer reads out still works
                if self._on_pad_failed is not None:
                    self._on_pad_failed(str(pad_task.exception()))
                await asyncio.wait({sms})
                done = {sms}  # type: ignore[arg-type]
        finally:
            self._sms = None
            if not sms.done():
                sms.cancel()
            if pad_task is not None and not pad_task.done():
                pad_task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await pad_task
        if sms in done:
            return sms.result()
        assert pad_task is not None
        return pad_task.result()  # an envelope, None (cancelled), or the pad's error

    def _digits(self, count: int) -> None:
        if self._on_digits is not None:
            self._on_digits(count)
