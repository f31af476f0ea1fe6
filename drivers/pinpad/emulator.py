"""scanpay-pinpad-emulator: the bundled emulator of the serial PIN pad (PROTOCOL.md).

It plays the pad and its customer: opens a pseudo-terminal (and prints its
path for the terminal to use) or a given serial port, answers PROMPTs with
PINs from a script or typed on its own keyboard, seals them on its side as a
real pad does, and can damage its own traffic for tests (corrupt frames,
NAKs, silence, a customer who cancels or walks away).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import sys
import termios
import tty
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TextIO

import serial

from protocol.pin import ClearPin

from . import commands as cmd
from .base import PinRequest
from .entry import DIGIT_KEYS, EntryState, PadKey, PinEntry
from .errors import PinPadUnavailable
from .frames import NAK, Frame
from .link import (
    DEFAULT_ACK_TIMEOUT,
    DEFAULT_RETRIES,
    FdTransport,
    FramedLink,
    SerialTransport,
    Transport,
)

__all__ = [
    "Customer",
    "Faults",
    "KeyboardCustomer",
    "PinPadEmulator",
    "ScriptedCustomer",
    "main",
]

CANCEL_STEP = "cancel"
SILENT_STEP = "silent"
MODEL = "ScanPay PIN pad emulator"


@dataclass
class Faults:
    """Trouble to make, counted down as it happens (a test may set them at any moment)."""

    corrupt: int = 0  # damage the next N frames the pad sends (their LRC no longer fits)
    nak: int = 0  # answer NAK to the next N frames received
    silence: int = 0  # neither ACK nor act on the next N frames received


class _FaultyLink(FramedLink):
    def __init__(
        self, transport: Transport, faults: Faults, *, ack_timeout: float, retries: int
    ) -> None:
        super().__init__(transport, ack_timeout=ack_timeout, retries=retries, name="terminal")
        self.faults = faults

    def _put_on_wire(self, frame: bytes) -> None:
        if self.faults.corrupt > 0:
            self.faults.corrupt -= 1
            middle = len(frame) // 2
            frame = frame[:middle] + bytes([frame[middle] ^ 0x01]) + frame[middle + 1 :]
        super()._put_on_wire(frame)

    def _answer_frame(self, frame: Frame) -> None:
        if self.faults.silence > 0:
            self.faults.silence -= 1
        elif self.faults.nak > 0:
            self.faults.nak -= 1
            self._write(bytes([NAK]))
        else:
            super()._answer_frame(frame)


class Customer(Protocol):
    """Who stands at the pad: yields the keys pressed for one PROMPT."""

    def keys(self, request: PinRequest) -> AsyncIterator[PadKey]: ...


class ScriptedCustomer:
    """Answers each PROMPT with the next step: a PIN, ``cancel`` or ``silent``; the last repeats."""

    def __init__(self, steps: Sequence[str], *, key_delay: float = 0.0) -> None:
        if not steps:
            raise ValueError("the script needs at least one step")
        for step in steps:
            if step not in (CANCEL_STEP, SILENT_STEP):
                ClearPin(step)  # ValueError unless 4-12 digits
        self.steps = list(steps)
        self.key_delay = key_delay
        self.answered = 0

    async def keys(self, request: PinRequest) -> AsyncIterator[PadKey]:
        step = self.steps[min(self.answered, len(self.steps) - 1)]
        self.answered += 1
        if step == SILENT_STEP:
            await asyncio.Event().wait()
        if step == CANCEL_STEP:
            await asyncio.sleep(self.key_delay)
            yield PadKey.CANCEL
            return
        for digit in step:
            await asyncio.sleep(self.key_delay)
            yield PadKey.for_digit(digit)
        await asyncio.sleep(self.key_delay)
        yield PadKey.ENTER


_KEYBOARD = {"\r": PadKey.ENTER, "\n": PadKey.ENTER, "\x7f": PadKey.BACKSPACE}
_KEYBOARD |= {"\b": PadKey.BACKSPACE, "\x1b": PadKey.CANCEL, "c": PadKey.CANCEL}
_KEYBOARD |= {key.value: key for key in DIGIT_KEYS}


class KeyboardCustomer:
    """The person at this console: digits, Enter, Backspace, Esc or c to cancel."""

    def __init__(self, stdin: TextIO) -> None:
        self._fd = stdin.fileno()
        self._keys: asyncio.Queue[PadKey] = asyncio.Queue()
        self._saved: list[Any] | None = None

    def start(self) -> None:
        self._saved = termios.tcgetattr(self._fd)
        tty.setcbreak(self._fd)
        asyncio.get_running_loop().add_reader(self._fd, self._on_key)

    def stop(self) -> None:
        with contextlib.suppress(ValueError, OSError):
            asyncio.get_running_loop().remove_reader(self._fd)
        if self._saved is not None:
            termios.tcsetattr(self._fd, termios.TCSADRAIN, self._saved)

    def _on_key(self) -> None:
        for char in os.read(self._fd, 64).decode("utf-8", errors="ignore"):
            key = _KEYBOARD.get(char)
            if key is not None:
                self._keys.put_nowait(key)

    async def keys(self, request: PinRequest) -> AsyncIterator[PadKey]:
        while not self._keys.empty():  # keys pressed before the prompt do not count
            self._keys.get_nowait()
        while True:
            yield await self._keys.get()


class PinPadEmulator:
    """The pad: serves the terminal's commands over ``transport`` until cancelled."""

    def __init__(
        self,
        transport: Transport,
        customer: Customer,
        *,
        faults: Faults | None = None,
        ack_timeout: float = DEFAULT_ACK_TIMEOUT,
        retries: int = DEFAULT_RETRIES,
        show: Callable[[str], None] | None = None,
    ) -> None:
        self.faults = faults or Faults()
        self.link = _FaultyLink(transport, self.faults, ack_timeout=ack_timeout, retries=retries)
        self.customer = customer
        self.screen = ""
        self.received: list[str] = []  # command letters, in order: what a test checks
        self._show = show
        self._entry: asyncio.Task[None] | None = None

    def display(self, text: str) -> None:
        self.screen = text
        if self._show is not None:
            self._show(text)

    async def run(self) -> None:
        self.link.start()
        try:
            while True:
                frame = await self.link.receive()
                self.received.append(frame.command)
                await self._handle(frame)
        except PinPadUnavailable:
            pass
        finally:
            await self._stop_entry()
            self.link.close()

    async def _handle(self, frame: Frame) -> None:
        fields = frame.fields()
        if frame.command == cmd.HELLO:
            await self.link.send(cmd.IDENT, [cmd.PROTOCOL_VERSION, MODEL])
        elif frame.command == cmd.PROMPT:
            await self._stop_entry()
            try:
                prompt = cmd.PromptCommand.parse(fields)
            except ValueError as exc:
                entry = cmd.entry_of(fields)
                await self.link.send(cmd.FAULT, ["" if entry is None else str(entry), str(exc)])
                return
            self._entry = asyncio.create_task(self._serve(prompt))
        elif frame.command == cmd.MESSAGE:
            await self._stop_entry()
            self.display(fields[0])
        elif frame.command == cmd.CANCEL:
            await self._stop_entry()
            self.display("")
        else:
            await self.link.send(cmd.FAULT, ["", f"unknown command {frame.command}"])

    async def _stop_entry(self) -> None:
        task, self._entry = self._entry, None
        if task is not None and not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _serve(self, prompt: cmd.PromptCommand) -> None:
        request, number = prompt.request, str(prompt.entry)
        entry = PinEntry(request.policy)
        self.display(request.prompt_text())
        try:
            async for key in self.customer.keys(request):
                before = entry.length
                state = entry.press(key)
                if entry.length != before:
                    self.display(f"PIN {'*' * entry.length}")
                    await self.link.send(cmd.KEYS, [number, str(entry.length)])
                if state is EntryState.DONE:
                    envelope = request.seal(entry.take())
                    self.display("Please wait")
                    await self.link.send(cmd.ENVELOPE, cmd.envelope_fields(prompt.entry, envelope))
                    return
                if state is EntryState.CANCELLED:
                    self.display("Cancelled")
                    await self.link.send(cmd.CUSTOMER_CANCEL, [number])
                    return
        except PinPadUnavailable:
            self.display("Terminal not answering")
        finally:
            entry.clear()


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="scanpay-pinpad-emulator",
        description="Emulate the ScanPay serial PIN pad (drivers/pinpad/PROTOCOL.md) on a "
        "pseudo-terminal or a serial port, with a scripted or live customer.",
    )
    p.add_argument("--port", help="serial port to use (default: open a pseudo-terminal)")
    p.add_argument("--baud", type=int, default=9600, help="baud rate of --port (default 9600)")
    p.add_argument(
        "--pins",
        help="comma-separated answers to successive prompts: a PIN, 'cancel' (the customer "
        "presses Cancel) or 'silent' (never answers); the last repeats. "
        "Default: typed live on this keyboard.",
    )
    p.add_argument("--key-delay", type=float, default=0.0, help="seconds between scripted keys")
    p.add_argument("--corrupt", type=int, default=0, help="damage the first N frames sent")
    p.add_argument("--nak", type=int, default=0, help="NAK the first N frames received")
    p.add_argument("--silence", type=int, default=0, help="ignore the first N frames received")
    p.add_argument("--ack-timeout", type=float, default=DEFAULT_ACK_TIMEOUT)
    p.add_argument("--retries", type=int, default=DEFAULT_RETRIES)
    return p


def _open_port(args: argparse.Namespace) -> tuple[Transport, str, int | None]:
    if args.port:
        port = serial.serial_for_url(args.port, baudrate=args.baud, timeout=0)
        return SerialTransport(port), args.port, None
    master, slave = os.openpty()
    tty.setraw(slave)
    return FdTransport(master), os.ttyname(slave), slave  # the slave stays open: the pty lives


async def _serve(args: argparse.Namespace, customer: Customer) -> None:
    transport, path, keep_open = _open_port(args)
    emulator = PinPadEmulator(
        transport,
        customer,
        faults=Faults(corrupt=args.corrupt, nak=args.nak, silence=args.silence),
        ack_timeout=args.ack_timeout,
        retries=args.retries,
        show=lambda text: print(f"pad screen: {text}", flush=True),
    )
    print(f"PIN pad emulator on {path}", flush=True)
    keyboard = customer if isinstance(customer, KeyboardCustomer) else None
    if keyboard is not None:
        keyboard.start()
        print("Type the PIN on this keyboard; Enter confirms, Esc or c cancels.", flush=True)
    try:
        await emulator.run()
    finally:
        if keyboard is not None:
            keyboard.stop()
        if keep_open is not None:
            os.close(keep_open)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    customer: Customer
    if args.pins:
        try:
            steps = [step.strip() for step in args.pins.split(",") if step.strip()]
            customer = ScriptedCustomer(steps, key_delay=args.key_delay)
        except ValueError:
            print(
                "--pins takes PINs of 4 to 12 digits, 'cancel' or 'silent', separated by commas",
                file=sys.stderr,
            )
            return 2
    elif sys.stdin.isatty():
        customer = KeyboardCustomer(sys.stdin)
    else:
        print("No keyboard to type on: give the PINs with --pins", file=sys.stderr)
        return 2
    try:
        asyncio.run(_serve(args, customer))
    except serial.SerialException as exc:
        print(f"Cannot open the port: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
