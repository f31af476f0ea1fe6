"""One small async interface for every PIN pad: prompt, read a PIN, show a message, cancel.

A terminal asks for a PIN with :meth:`PinPad.read_pin`: the pad shows the
amount and the attempts left, the customer types, and what comes back is a
:class:`protocol.pin.PinEnvelope` sealed on the pad's side for this trade with
the backend's public key. The clear PIN never reaches the terminal. The entry
ends in exactly one of: an envelope, :class:`CustomerCancelled` (the customer
pressed Cancel), :class:`PinEntryTimeout`, or :class:`PinEntryStopped` (the
terminal called :meth:`PinPad.cancel`).

Implementations fill in the ``_hooks``; the timeout, the stop and the
mirror callbacks live here, once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from types import TracebackType
from typing import Self

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from protocol.money import format_fen, require_amount
from protocol.pin import ClearPin, PinEnvelope, seal_pin

from .entry import PinPolicy
from .errors import PinEntryStopped, PinEntryTimeout
from .i18n import words

__all__ = ["DEFAULT_TIMEOUT", "MAX_MESSAGE_LENGTH", "PinPad", "PinRequest", "attempts_text"]

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 60.0
MAX_MESSAGE_LENGTH = 200


def attempts_text(attempts_left: int | None, lang: str = "en") -> str:
    """``3`` -> ``"3 tries left"`` / ``"还可尝试 3 次"``; ``None`` (not known yet) -> ``""``."""
    if attempts_left is None:
        return ""
    return words(lang).ngettext("{n} try left", "{n} tries left", attempts_left)


@dataclass(frozen=True)
class PinRequest:
    """What the terminal asks of the pad for one PIN entry.

    ``trade_ref`` and ``public_key_pem`` (the backend's PIN key) go to the
    pad, which seals the PIN with them; ``attempts_left`` is ``None`` before
    the backend has said how many are left.
    """

    amount_fen: int
    trade_ref: str
    public_key_pem: bytes
    attempts_left: int | None = None
    timeout: float = DEFAULT_TIMEOUT
    policy: PinPolicy = field(default_factory=PinPolicy)

    def __post_init__(self) -> None:
        require_amount(self.amount_fen, "amount_fen")
        if not self.trade_ref or not self.trade_ref.isprintable():
            raise ValueError("trade_ref must be a non-empty printable string")
        if self.attempts_left is not None and self.attempts_left < 0:
            raise ValueError("attempts_left must not be negative")
        if not self.timeout > 0:
            raise ValueError("timeout must be more than zero seconds")
        try:
            key = serialization.load_pem_public_key(self.public_key_pem)
        except (ValueError, TypeError):
            raise ValueError("public_key_pem is not a PEM public key") from None
        if not isinstance(key, rsa.RSAPublicKey):
            raise ValueError("the backend's PIN key must be an RSA public key")

    @property
    def amount_text(self) -> str:
        return format_fen(self.amount_fen)

    def prompt_text(self, lang: str = "en") -> str:
        """The one-line prompt every pad shows: ``CNY 12.34 - Enter PIN (3 tries left)``."""
        tries = attempts_text(self.attempts_left, lang)
        prompt = words(lang).tr("{amount} - Enter PIN", amount=self.amount_text)
        return prompt + (f" ({tries})" if tries else "")

    def seal(self, pin: ClearPin) -> PinEnvelope:
        """Seal ``pin`` for this trade; only pads that read keys on our side call this."""
        return seal_pin(pin, self.trade_ref, self.public_key_pem)


class PinPad(ABC):
    """A PIN pad facing the customer. Use as ``async with pad:`` (opens and closes it).

    ``on_display`` is called with every text the pad shows (prompts and
    messages) and ``on_digits`` with the number of digits typed so far, where
    the pad reports it: a till mirrors the customer's screen with them,
    without ever seeing a digit.
    """

    #: what this pad is, for logs and the cashier ("serial /dev/ttyUSB1")
    description: str = "PIN pad"

    def __init__(self) -> None:
        self.on_display: Callable[[str], None] | None = None
        self.on_digits: Callable[[int], None] | None = None
        self._stop: asyncio.Event | None = None

    # -- the interface -------------------------------------------------------------------

    async def open(self) -> None:
        await self._open()

    async def close(self) -> None:
        if self._stop is not None:
            self._stop.set()
        await self._close()

    async def __aenter__(self) -> Self:
        await self.open()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def read_pin(self, request: PinRequest) -> PinEnvelope:
        """Show the prompt for ``request`` and wait for the sealed PIN.

        Raises :class:`CustomerCancelled`, :class:`PinEntryTimeout` (after
        ``request.timeout`` seconds), :class:`PinEntryStopped` (``cancel()``
        was called), or :class:`PinPadUnavailable`.
        """
        if self._stop is not None:
            raise RuntimeError("a PIN entry is already running on this pad")
        stop = self._stop = asyncio.Event()
        self._display(request.prompt_text())
        log.info("%s: PIN requested for trade %s", self.description, request.trade_ref)
        reader = asyncio.create_task(self._read_pin(request))
        stopper = asyncio.create_task(stop.wait())
        try:
            done, _ = await asyncio.wait(
                {reader, stopper}, timeout=request.timeout, return_when=asyncio.FIRST_COMPLETED
            )
            if reader in done:
                envelope = reader.result()
                log.info("%s: PIN sealed for trade %s", self.description, request.trade_ref)
                return envelope
            ended: PinEntryStopped | PinEntryTimeout = (
                PinEntryStopped() if stop.is_set() else PinEntryTimeout()
            )
        finally:
            stopper.cancel()
            if not reader.done():
                reader.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await reader
            self._stop = None
        log.info("%s: PIN entry ended: %s", self.description, ended.en)
        await self._end_entry()
        raise ended

    async def show_message(self, text: str) -> None:
        """Show ``text`` ("Wrong PIN, 3 tries left", "Paid") on the customer's side."""
        text = " ".join(text.split())
        if not text or len(text) > MAX_MESSAGE_LENGTH:
            raise ValueError(f"a pad message is 1 to {MAX_MESSAGE_LENGTH} characters")
        self._display(text)
        await self._show_message(text)

    async def cancel(self) -> None:
        """Stop the PIN entry from the terminal's side and clear the pad's screen."""
        if self._stop is not None:
            self._stop.set()  # read_pin ends the entry on the pad and raises PinEntryStopped
        else:
            await self._end_entry()

    # -- for implementations -------------------------------------------------------------

    def _display(self, text: str) -> None:
        if self.on_display is not None:
            self.on_display(text)

    def _digits_typed(self, count: int) -> None:
        if self.on_digits is not None:
            self.on_digits(count)

    async def _open(self) -> None:  # noqa: B027 - most pads have nothing to open
        pass

    async def _close(self) -> None:  # noqa: B027
        pass

    @abstractmethod
    async def _read_pin(self, request: PinRequest) -> PinEnvelope:
        """Prompt and wait for the envelope; raise CustomerCancelled if the customer cancels."""

    @abstractmethod
    async def _show_message(self, text: str) -> None: ...

    @abstractmethod
    async def _end_entry(self) -> None:
        """Abandon any PIN entry on the pad and clear its screen."""
