"""The PIN pad facing the customer, as the till uses it (``[devices] pinpad`` in the config).

Wraps a :class:`drivers.pinpad.PinPad` into the till's :class:`~pos_client.pin.PadReader`:
one sealed PIN per request, the number of digits typed reported for the
cashier's mirror, ``None`` when the customer presses Cancel. When the till
stops waiting (the cashier typed the SMS code, or pressed Esc) the entry is
cancelled on the pad so its screen does not go on asking.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

from appkit.i18n import current_language
from drivers.pinpad import (
    CustomerCancelled,
    PinEntryEnded,
    PinPad,
    PinPadError,
    PinPadUnavailable,
    open_pinpad,
)
from drivers.pinpad import PinRequest as PadRequest
from protocol.pin import PinEnvelope
from terminal_sdk.session import PinRequest

from .pin import PadUnavailable

__all__ = ["TillPad", "open_till_pad"]

log = logging.getLogger(__name__)


class TillPad:
    """A :class:`~pos_client.pin.PadReader` over a real, emulated or simulated PIN pad."""

    def __init__(self, pad: PinPad) -> None:
        self.pad = pad
        self.detail = pad.description

    @property
    def ok(self) -> bool:
        """False while a pad that connects to the till (the virtual pad) is not connected."""
        return bool(getattr(self.pad, "connected", True))

    async def read(
        self, request: PinRequest, on_digits: Callable[[int], None]
    ) -> PinEnvelope | None:
        self.pad.on_digits = on_digits
        ask = PadRequest(
            amount_fen=request.amount_fen,
            trade_ref=request.trade_ref,
            public_key_pem=request.pin_public_key.encode("ascii"),
            attempts_left=request.attempts_left,
            timeout=max(request.seconds_left + 1.0, 1.0),  # the session's own deadline comes first
        )
        try:
            envelope: PinEnvelope = await self.pad.read_pin(ask)
        except CustomerCancelled:
            return None
        except PinEntryEnded:  # the pad's own timeout: the customer walked away
            return None
        except asyncio.CancelledError:
            with contextlib.suppress(PinPadError, OSError):
                await self.pad.cancel()  # clear the pad's screen
            raise
        except PinPadUnavailable as exc:
            self.detail = str(exc)
            raise PadUnavailable(exc.message(current_language())) from exc
        finally:
            self.pad.on_digits = None
        self.detail = self.pad.description
        return envelope

    async def show(self, text: str) -> None:
        """A message for the customer (the result); a pad that fails to show it is only logged."""
        try:
            await self.pad.show_message(text)
        except (PinPadError, OSError, ValueError) as exc:
            log.warning("PIN pad could not show the result: %s", exc)

    async def close(self) -> None:
        with contextlib.suppress(PinPadError, OSError):
            await self.pad.close()


async def open_till_pad(url: str) -> TillPad:
    """Open the pad at ``url``, or raise :class:`PadUnavailable` saying why (a bad URL too)."""
    try:
        pad = open_pinpad(url)
        await pad.open()
    except PinPadError as exc:
        raise PadUnavailable(exc.message(current_language())) from exc
    return TillPad(pad)
