"""The serial PIN pad end to end: pyserial on a pty, the bundled emulator on the other end."""

import asyncio
import contextlib
import os
import random
import tty
from typing import Any

import pytest

from drivers.pinpad import (
    CustomerCancelled,
    PinEntryStopped,
    PinEntryTimeout,
    PinPadUnavailable,
    SerialPinPad,
)
from drivers.pinpad.emulator import Faults, PinPadEmulator, ScriptedCustomer
from drivers.pinpad.link import FdTransport

FAST: dict[str, Any] = {"ack_timeout": 0.1, "retries": 3}


@contextlib.asynccontextmanager
async def emulator_on_pty(steps=("123456",), faults=None, key_delay=0.0):
    master, slave = os.openpty()
    tty.setraw(slave)
    emulator = PinPadEmulator(
        FdTransport(master),
        ScriptedCustomer(list(steps), key_delay=key_delay),
        faults=faults,
        **FAST,
    )
    task = asyncio.create_task(emulator.run())
    try:
        yield emulator, os.ttyname(slave)
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        os.close(slave)


@contextlib.asynccontextmanager
async def pad_and_emulator(steps=("123456",), faults=None):
    """An open SerialPinPad on a pty, and the emulator playing the pad on the other end."""
    async with emulator_on_pty(steps, faults) as (emulator, path):  # noqa: SIM117 - path
        async with SerialPinPad(path, **FAST) as pad:
            yield pad, emulator


async def test_pin_comes_back_sealed_and_the_backend_opens_it(make_request, opened):
    async with emulator_on_pty(["4321"]) as (emulator, path):
        pad = SerialPinPad(path, **FAST)
        typed: list[int] = []
        pad.on_digits = typed.append
        async with pad:
            assert pad.ident[1] == "ScanPay PIN pad emulator"
            envelope = await pad.read_pin(make_request(amount_fen=990, attempts_left=3))
            assert opened(envelope) == "4321"
            assert typed == [1, 2, 3, 4]
            await pad.show_message("Paid")
            await asyncio.sleep(0.05)
            assert emulator.screen == "Paid"
    assert emulator.received[:3] == ["H", "P", "M"]


async def test_the_pad_shows_amount_and_attempts_left(make_request):
    async with pad_and_emulator(["silent"]) as (pad, emulator):
        reading = asyncio.create_task(
            pad.read_pin(make_request(amount_fen=123456, attempts_left=1))
        )
        await asyncio.sleep(0.1)
        assert emulator.screen == "CNY 1,234.56 - Enter PIN (1 try left)"
        await pad.cancel()
        with pytest.raises(PinEntryStopped):
            await reading
        await asyncio.sleep(0.05)
        assert emulator.screen == ""  # the pad was told to clear
        assert emulator.received[-1] == "C"


async def test_customer_cancel_then_a_new_prompt_works(make_request, opened):
    async with pad_and_emulator(["cancel", "8888"]) as (pad, _):
        with pytest.raises(CustomerCancelled):
            await pad.read_pin(make_request())
        assert opened(await pad.read_pin(make_request(attempts_left=4))) == "8888"


async def test_timeout_when_the_customer_never_finishes(make_request):
    async with pad_and_emulator(["silent"]) as (pad, emulator):
        with pytest.raises(PinEntryTimeout):
            await pad.read_pin(make_request(timeout=0.3))
        await asyncio.sleep(0.05)
        assert emulator.received[-1] == "C"


async def test_naks_and_corrupted_frames_are_retransmitted(make_request, opened):
    faults = Faults(nak=2, corrupt=2)  # NAK HELLO twice; damage IDENT twice
    async with pad_and_emulator(["246810"], faults) as (pad, emulator):
        emulator.faults.nak, emulator.faults.corrupt = 1, 3  # now PROMPT and KEYS/ENVELOPE
        envelope = await pad.read_pin(make_request())
        assert opened(envelope) == "246810"
        assert (emulator.faults.nak, emulator.faults.corrupt) == (0, 0)
    assert emulator.received.count("H") == 1  # repeats were not acted on twice
    assert emulator.received.count("P") == 1


async def test_silence_means_retransmit_after_the_ack_timeout(make_request, opened):
    async with pad_and_emulator(["1357"], Faults(silence=2)) as (pad, emulator):
        assert opened(await pad.read_pin(make_request())) == "1357"
    assert emulator.received.count("H") == 1


async def test_a_lost_ack_makes_a_repeat_that_is_dropped(make_request, opened):
    async with pad_and_emulator(["1234"]) as (pad, emulator):
        # the pad ACKs nothing once: the terminal resends, the pad sees the frame once
        emulator.faults.silence = 1
        await pad.show_message("Hello")
        await pad.show_message("Hello again")
        await asyncio.sleep(0.05)
    assert emulator.received == ["H", "M", "M"]
    assert emulator.screen == "Hello again"


async def test_a_pad_that_never_acks_is_unavailable_after_the_retries():
    async with emulator_on_pty(faults=Faults(nak=4)) as (_, path):
        with pytest.raises(PinPadUnavailable) as info:
            await SerialPinPad(path, **FAST).open()
    assert "no PIN pad answers on" in str(info.value)


async def test_nothing_on_the_line_is_unavailable():
    master, slave = os.openpty()
    tty.setraw(slave)
    try:
        with pytest.raises(PinPadUnavailable):
            await SerialPinPad(os.ttyname(slave), ack_timeout=0.05, retries=1).open()
    finally:
        os.close(master)
        os.close(slave)


async def test_a_missing_port_says_so():
    with pytest.raises(PinPadUnavailable) as info:
        await SerialPinPad("/dev/ttyUSB-not-here").open()
    assert "/dev/ttyUSB-not-here" in str(info.value)


async def test_the_pad_answers_fault_to_a_prompt_it_cannot_use():
    async with pad_and_emulator() as (pad, _):
        bad_key = "bm90IGEga2V5"
        await pad.link.send("P", ["9", "100", "CNY 1.00", "", "4", "6", "T-1", bad_key])
        frame = await pad.link.receive()
        assert (frame.command, frame.fields()) == ("F", ["9", "PROMPT key is not a public key"])
        await pad.link.send("Z")
        frame = await pad.link.receive()
        assert (frame.command, frame.fields()) == ("F", ["", "unknown command Z"])


async def test_a_pad_unplugged_during_entry_is_unavailable(make_request):
    async with pad_and_emulator(["silent"]) as (pad, emulator):
        reading = asyncio.create_task(pad.read_pin(make_request()))
        await asyncio.sleep(0.1)
        emulator.link.close()  # the pad's end of the line is gone
        with pytest.raises(PinPadUnavailable):
            await reading


async def test_every_frame_arrives_once_and_in_order_through_random_faults(make_request, opened):
    rng = random.Random(42)
    async with pad_and_emulator(["135790"]) as (pad, emulator):
        shown: list[str] = []
        emulator._show = shown.append
        for i in range(20):
            nak = rng.randint(0, 2)
            emulator.faults.nak, emulator.faults.silence = nak, rng.randint(0, 3 - nak)
            await pad.show_message(f"message {i}")
        emulator.faults.corrupt = 3  # the pad's KEYS and ENVELOPE frames, damaged on the way
        envelope = await pad.read_pin(make_request())
        await asyncio.sleep(0.05)
    assert [text for text in shown if text.startswith("message")] == [
        f"message {i}" for i in range(20)
    ]
    assert opened(envelope) == "135790"
