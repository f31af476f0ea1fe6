"""scanpay-pinpad: the virtual PIN pad, a small Textual app on a second screen facing the customer.

It connects to the terminal's Unix socket (``socket:///...`` on the terminal's
side, :class:`~drivers.pinpad.socket_pad.SocketPinPad`), shows the amount and
the attempts left, takes the PIN as dots, seals it in this process with the
backend's key from the prompt, and sends only the envelope. Enter confirms,
Backspace corrects, Esc cancels. It reconnects by itself when the terminal
restarts. Its words are Chinese or English (``--lang``, else the locale);
messages the till sends are shown as the till words them.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
from collections.abc import Sequence
from typing import Any

from textual import work
from textual.app import App, ComposeResult
from textual.containers import Vertical
from textual.events import Key
from textual.widgets import Static

from protocol.i18n import LANGUAGES, language_from_locale

from . import socket_protocol as wire
from .base import PinRequest, attempts_text
from .entry import DIGIT_KEYS, EntryState, PadKey, PinEntry
from .i18n import N_, words

__all__ = ["DEFAULT_SOCKET", "PinPadApp", "main"]

DEFAULT_SOCKET = "/run/scanpay/pinpad.sock"
HINT = N_("Enter: confirm  Backspace: correct  Esc: cancel")
WELCOME = N_("Welcome")

_KEYS = {"enter": PadKey.ENTER, "backspace": PadKey.BACKSPACE, "escape": PadKey.CANCEL}
_KEYS |= {key.value: key for key in DIGIT_KEYS}


class PinPadApp(App[None]):
    """The pad. ``entry_number`` and ``request`` describe the PIN entry on screen, if any."""

    CSS_PATH = "virtual_app.tcss"

    def __init__(
        self, socket_path: str = DEFAULT_SOCKET, *, retry_interval: float = 1.0, lang: str = ""
    ) -> None:
        super().__init__()
        self.lang = language_from_locale(lang)
        self.words = words(self.lang)
        self.title = self.words.tr("ScanPay PIN pad")
        self.socket_path = socket_path
        self.retry_interval = retry_interval
        self.request: PinRequest | None = None
        self.entry_number: int | None = None
        self._entry: PinEntry | None = None
        self._writer: asyncio.StreamWriter | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="pad"):
            yield Static("", id="amount")
            yield Static(self.words.tr(WELCOME), id="prompt")
            yield Static("", id="attempts")
            yield Static("", id="dots")
            yield Static("", id="message")
            yield Static(self.words.tr(HINT), id="hint")
        yield Static(self.words.tr("Waiting for the till..."), id="status")

    def on_mount(self) -> None:
        self._show_dots()  # no PIN box before a PIN is asked for
        self.talk_to_the_till()

    # -- what the customer sees ----------------------------------------------------------

    def _show(
        self, *, amount: str = "", prompt: str = "", attempts: str = "", message: str = ""
    ) -> None:
        self.query_one("#amount", Static).update(amount)
        self.query_one("#prompt", Static).update(prompt)
        self.query_one("#attempts", Static).update(attempts)
        self.query_one("#message", Static).update(message)
        self._show_dots()

    def _show_dots(self) -> None:
        typed = self._entry.length if self._entry is not None else 0
        dots = self.query_one("#dots", Static)
        dots.update(" ".join("●" * typed) if typed else "_")
        dots.display = self._entry is not None  # the PIN box only while a PIN is asked for

    def _end_entry(self) -> None:
        if self._entry is not None:
            self._entry.clear()
        self._entry = self.request = self.entry_number = None

    # -- the till ------------------------------------------------------------------------

    @work(exclusive=True, group="till")
    async def talk_to_the_till(self) -> None:
        """Connect, serve, and on a break connect again, for as long as the app runs."""
        status = self.query_one("#status", Static)
        tr = self.words.tr
        while True:
            try:
                reader, writer = await asyncio.open_unix_connection(
                    self.socket_path, limit=wire.MAX_LINE
                )
            except OSError:
                status.update(tr("Waiting for the till on {path}...", path=self.socket_path))
                await asyncio.sleep(self.retry_interval)
                continue
            self._writer = writer
            try:
                hello = {"type": "hello", "version": wire.VERSION, "pad": "scanpay-pinpad"}
                await self._send(hello)
                status.update(tr("Connected to the till"))
                while line := await reader.readline():
                    with contextlib.suppress(ValueError):  # a bad line is skipped
                        await self._from_till(wire.decode(line))
            except (ConnectionError, ValueError):
                pass
            finally:  # also when the app quits: the till hears the pad go at once
                self._writer = None
                writer.close()
            self._end_entry()
            self._show(prompt=tr(WELCOME))
            status.update(tr("Till disconnected; waiting for it..."))

    async def _send(self, message: dict[str, Any]) -> None:
        if self._writer is None:
            return
        self._writer.write(wire.encode(message))
        with contextlib.suppress(ConnectionError):
            await self._writer.drain()

    async def _from_till(self, message: dict[str, Any]) -> None:
        kind = message["type"]
        if kind == "prompt":
            self._end_entry()
            try:
                number, request = wire.parse_prompt(message)
            except ValueError as exc:
                entry = message.get("entry")
                await self._send({"type": "fault", "entry": entry, "reason": str(exc)})
                return
            self.request, self.entry_number = request, number
            self._entry = PinEntry(request.policy)
            self._show(
                amount=request.amount_text,
                prompt=self.words.tr("Enter your PIN"),
                attempts=attempts_text(request.attempts_left, self.lang),
            )
        elif kind == "message":
            self._end_entry()
            self._show(message=str(message.get("text", "")))
        elif kind == "cancel":
            self._end_entry()
            self._show(prompt=self.words.tr(WELCOME))

    # -- the keys ------------------------------------------------------------------------

    async def on_key(self, event: Key) -> None:
        key = _KEYS.get(event.key)
        entry, request, number = self._entry, self.request, self.entry_number
        if key is None or entry is None or request is None or number is None:
            return
        event.stop()
        before = entry.length
        state = entry.press(key)
        self._show_dots()
        if entry.length != before:
            await self._send({"type": "progress", "entry": number, "digits": entry.length})
        if state is EntryState.DONE:
            envelope = request.seal(entry.take())
            self._end_entry()
            self._show(amount=request.amount_text, prompt=self.words.tr("Please wait..."))
            await self._send(wire.envelope_message(number, envelope))
        elif state is EntryState.CANCELLED:
            self._end_entry()
            self._show(prompt=self.words.tr("Cancelled"))
            await self._send({"type": "customer_cancel", "entry": number})


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="scanpay-pinpad",
        description="The customer-facing virtual PIN pad. Connects to the till's socket "
        "(PIN pad URL socket:///PATH on the till) and sends only the sealed PIN.",
    )
    parser.add_argument(
        "--socket", default=DEFAULT_SOCKET, help=f"the till's socket (default {DEFAULT_SOCKET})"
    )
    parser.add_argument(
        "--lang",
        choices=LANGUAGES,
        default="",
        help="the customer's language (default: the locale: LC_ALL, LC_MESSAGES, LANG)",
    )
    args = parser.parse_args(argv)
    PinPadApp(args.socket, lang=args.lang).run()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
