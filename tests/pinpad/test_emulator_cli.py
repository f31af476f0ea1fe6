"""scanpay-pinpad-emulator as a user runs it: its own process, its own pty, its own keyboard."""

import asyncio
import os
import subprocess
import sys
import tty
from pathlib import Path

import pytest

from drivers.pinpad import CustomerCancelled, SerialPinPad

EMULATOR = [sys.executable, "-m", "drivers.pinpad.emulator"]


async def start(*args, stdin=subprocess.DEVNULL):
    proc = await asyncio.create_subprocess_exec(
        *EMULATOR, *args, stdin=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert proc.stdout is not None
    first = (await asyncio.wait_for(proc.stdout.readline(), 10)).decode()
    assert first.startswith("PIN pad emulator on /dev/pts/"), first
    return proc, first.split(" on ", 1)[1].strip()


async def stop(proc) -> str:
    proc.terminate()
    out, _ = await proc.communicate()
    return bytes(out).decode()


async def test_scripted_emulator_on_its_own_pty(make_request, opened):
    proc, path = await start("--pins", "97531,cancel")
    try:
        async with SerialPinPad(path, ack_timeout=0.2) as pad:
            assert opened(await pad.read_pin(make_request(attempts_left=2))) == "97531"
            with pytest.raises(CustomerCancelled):
                await pad.read_pin(make_request())
    finally:
        out = await stop(proc)
    assert "pad screen: CNY 123.45 - Enter PIN (2 tries left)" in out
    assert "pad screen: PIN *****" in out
    assert "97531" not in out  # the screen shows dots, never the digits


async def test_interactive_emulator_reads_its_keyboard(make_request, opened):
    keyboard, keyboard_tty = os.openpty()
    tty.setraw(keyboard)
    proc, path = await start(stdin=keyboard_tty)
    os.close(keyboard_tty)
    try:
        async with SerialPinPad(path, ack_timeout=0.2) as pad:
            reading = asyncio.create_task(pad.read_pin(make_request()))
            await asyncio.sleep(0.3)
            os.write(keyboard, b"12x39\x7f45\r")  # x is no key; DEL is Backspace
            assert opened(await asyncio.wait_for(reading, 10)) == "12345"
            reading = asyncio.create_task(pad.read_pin(make_request()))
            await asyncio.sleep(0.3)
            os.write(keyboard, b"1\x1b")
            with pytest.raises(CustomerCancelled):
                await asyncio.wait_for(reading, 10)
    finally:
        await stop(proc)
        os.close(keyboard)


def test_help_and_bad_arguments():
    scripts = Path(sys.executable).parent
    out = subprocess.run(
        [scripts / "scanpay-pinpad-emulator", "--help"], capture_output=True, text=True, check=True
    ).stdout
    for option in ("--port", "--pins", "--corrupt", "--nak", "--silence"):
        assert option in out
    bad = subprocess.run([*EMULATOR, "--pins", "12"], capture_output=True, text=True)
    assert bad.returncode == 2
    assert "4 to 12 digits" in bad.stderr
    no_keyboard = subprocess.run(EMULATOR, capture_output=True, text=True, stdin=subprocess.DEVNULL)
    assert no_keyboard.returncode == 2
    assert "--pins" in no_keyboard.stderr
    missing = subprocess.run(
        [*EMULATOR, "--port", "/dev/ttyUSB-not-here", "--pins", "1234"],
        capture_output=True,
        text=True,
    )
    assert missing.returncode == 1
    assert "Cannot open the port" in missing.stderr
