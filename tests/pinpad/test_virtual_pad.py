"""The virtual pad app under Textual's pilot, talking to the terminal's side over a real socket."""

import asyncio
import json
import os
import socket
import tempfile
from pathlib import Path

import pytest
from textual.widgets import Static

from drivers.pinpad import (
    CustomerCancelled,
    PinEntryStopped,
    PinEntryTimeout,
    PinPadUnavailable,
    SocketPinPad,
    open_pinpad,
)
from drivers.pinpad.base import attempts_text
from drivers.pinpad.virtual_app import PinPadApp, main
from tests.catalogs import catalog_problems


@pytest.fixture
def sock_path():
    # a short folder of its own: Unix socket paths are limited to about 100 bytes
    with tempfile.TemporaryDirectory(prefix="sp-", dir="/tmp") as folder:
        yield os.path.join(folder, "pad.sock")


def screen(app: PinPadApp, name: str) -> str:
    return str(app.query_one(f"#{name}", Static).render())


async def until(pilot, condition, seconds: float = 5.0) -> None:
    async with asyncio.timeout(seconds):
        while not condition():
            await pilot.pause(0.01)


async def connected(pad: SocketPinPad) -> None:
    async with asyncio.timeout(5):
        await pad.wait_for_pad()


async def test_customer_types_a_pin_on_the_pad_and_the_backend_opens_it(
    sock_path, make_request, opened
):
    pad = open_pinpad(f"socket://{sock_path}")
    assert isinstance(pad, SocketPinPad)
    counts: list[int] = []
    pad.on_digits = counts.append
    async with pad:
        assert oct(os.stat(sock_path).st_mode & 0o777) == "0o600"
        app = PinPadApp(sock_path, retry_interval=0.05)
        async with app.run_test(size=(60, 20)) as pilot:
            await connected(pad)
            reading = asyncio.create_task(pad.read_pin(make_request(attempts_left=3)))
            await until(pilot, lambda: app.request is not None)
            assert screen(app, "amount") == "CNY 123.45"
            assert screen(app, "attempts") == "3 tries left"
            await pilot.press("1", "2", "9")
            assert screen(app, "dots") == "● ● ●"
            await pilot.press("backspace", "3", "4", "5", "6", "enter")
            envelope = await asyncio.wait_for(reading, 5)
            assert opened(envelope) == "123456"
            assert counts == [1, 2, 3, 2, 3, 4, 5, 6]
            assert screen(app, "prompt") == "Please wait..."
            await pad.show_message("Paid")
            await until(pilot, lambda: screen(app, "message") == "Paid")
    assert not Path(sock_path).exists()  # noqa: ASYNC240 - the socket file goes with the terminal


async def test_escape_is_a_customer_cancel_and_messages_show(sock_path, make_request):
    async with SocketPinPad(sock_path) as pad:
        app = PinPadApp(sock_path, retry_interval=0.05)
        async with app.run_test(size=(60, 20)) as pilot:
            await connected(pad)
            await pad.show_message("Wrong PIN, 2 tries left")
            await until(pilot, lambda: screen(app, "message") == "Wrong PIN, 2 tries left")
            reading = asyncio.create_task(pad.read_pin(make_request(attempts_left=2)))
            await until(pilot, lambda: app.request is not None)
            assert screen(app, "message") == ""
            await pilot.press("1", "escape")
            with pytest.raises(CustomerCancelled):
                await asyncio.wait_for(reading, 5)
            assert screen(app, "prompt") == "Cancelled"


async def test_the_terminal_stops_or_times_out_the_entry(sock_path, make_request):
    async with SocketPinPad(sock_path) as pad:
        app = PinPadApp(sock_path, retry_interval=0.05)
        async with app.run_test(size=(60, 20)) as pilot:
            await connected(pad)
            reading = asyncio.create_task(pad.read_pin(make_request()))
            await until(pilot, lambda: app.request is not None)
            await pilot.press("1", "2")
            await pad.cancel()
            with pytest.raises(PinEntryStopped):
                await reading
            await until(pilot, lambda: app.request is None)
            assert screen(app, "prompt") == "Welcome"
            assert not app.query_one("#dots").display
            with pytest.raises(PinEntryTimeout):
                await pad.read_pin(make_request(timeout=0.2))
            await until(pilot, lambda: app.request is None)
            await pilot.press("1", "2", "3", "4", "enter")  # keys with no entry do nothing


async def test_a_pad_that_goes_away_mid_entry_is_unavailable(sock_path, make_request):
    async with SocketPinPad(sock_path) as pad:
        app = PinPadApp(sock_path, retry_interval=0.05)
        async with app.run_test(size=(60, 20)) as pilot:
            await connected(pad)
            reading = asyncio.create_task(pad.read_pin(make_request()))
            await until(pilot, lambda: app.request is not None)
        with pytest.raises(PinPadUnavailable, match="disconnected"):
            await asyncio.wait_for(reading, 5)
        assert not pad.connected
        with pytest.raises(PinPadUnavailable, match="no pad connected"):
            await pad.read_pin(make_request())


async def test_the_pad_reconnects_when_the_terminal_restarts(sock_path, make_request, opened):
    app = PinPadApp(sock_path, retry_interval=0.05)
    async with app.run_test(size=(60, 20)) as pilot:
        await until(pilot, lambda: "Waiting for the till" in screen(app, "status"))
        for pin in ("1111", "2222"):
            async with SocketPinPad(sock_path) as pad:
                await connected(pad)
                reading = asyncio.create_task(pad.read_pin(make_request()))
                await until(pilot, lambda: app.request is not None)
                await pilot.press(*pin, "enter")
                assert opened(await asyncio.wait_for(reading, 5)) == pin


async def test_what_travels_on_the_socket_never_holds_the_pin(sock_path, public_pem, opened):
    """A stand-in terminal records every line the pad sends."""
    lines: list[bytes] = []
    got_envelope = asyncio.Event()

    async def terminal(reader, writer):
        lines.append(await reader.readline())
        prompt = {
            "type": "prompt",
            "entry": 7,
            "amount_fen": 500,
            "attempts_left": None,
            "trade_ref": "T-0001",
            "public_key": public_pem.decode(),
        }
        writer.write(json.dumps({"type": "prompt", "entry": 6}).encode() + b"\n")  # unusable
        writer.write(json.dumps(prompt).encode() + b"\n")
        await writer.drain()
        while line := await reader.readline():
            lines.append(line)
            if b'"envelope"' in line:
                got_envelope.set()

    server = await asyncio.start_unix_server(terminal, sock_path)
    async with server:
        app = PinPadApp(sock_path, retry_interval=0.05)
        async with app.run_test(size=(60, 20)) as pilot:
            await until(pilot, lambda: app.request is not None)
            assert screen(app, "attempts") == ""
            await pilot.press(*"80808080", "enter")
            async with asyncio.timeout(5):
                await got_envelope.wait()
    messages = [json.loads(line) for line in lines]
    assert messages[0]["type"] == "hello"
    assert messages[1] == {"type": "fault", "entry": 6, "reason": "prompt lacks amount_fen"}
    assert all(b"80808080" not in line for line in lines)
    envelope = messages[-1]
    assert envelope["type"] == "envelope" and envelope["entry"] == 7
    from protocol.pin import PinEnvelope

    assert opened(PinEnvelope.from_dict(envelope["envelope"])) == "80808080"


async def test_one_pad_at_a_time_and_strangers_are_turned_away(sock_path):
    async with SocketPinPad(sock_path) as pad:
        stranger_r, stranger_w = await asyncio.open_unix_connection(sock_path)
        stranger_w.write(b"GET / HTTP/1.0\r\n\r\n")
        try:
            ended = await asyncio.wait_for(stranger_r.read(), 5)
        except ConnectionResetError:
            ended = b""
        assert ended == b""  # hung up on
        assert not pad.connected
        _, first_w = await asyncio.open_unix_connection(sock_path)
        first_w.write(b'{"type":"hello","pad":"first"}\n')
        await connected(pad)
        second_r, second_w = await asyncio.open_unix_connection(sock_path)
        second_w.write(b'{"type":"hello"}\n')
        refused = json.loads(await asyncio.wait_for(second_r.readline(), 5))
        assert refused["reason"] == "another pad is connected"
        assert await second_r.read() == b""
        assert pad.pad_name == "first"
        for writer in (first_w, second_w, stranger_w):
            writer.close()


async def test_socket_file_problems_are_explained(sock_path):
    async with SocketPinPad(sock_path):
        with pytest.raises(PinPadUnavailable, match="another terminal already serves"):
            await SocketPinPad(sock_path).open()
    # a socket file left behind by a terminal that died is taken over
    leftover = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    leftover.bind(sock_path)
    leftover.close()
    async with SocketPinPad(sock_path) as pad:
        assert pad.description.endswith(sock_path)
    Path(sock_path).write_text("x")  # noqa: ASYNC240
    with pytest.raises(PinPadUnavailable, match="is not a socket"):
        await SocketPinPad(sock_path).open()
    with pytest.raises(PinPadUnavailable, match="does its folder exist"):
        await SocketPinPad("/tmp/no-such-folder-here/pad.sock").open()


def test_help(capsys):
    with pytest.raises(SystemExit) as info:
        main(["--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    assert "--socket" in out and "--lang {en,zh}" in out


@pytest.mark.parametrize("how", ["option", "locale"])
async def test_the_customer_reads_the_pad_in_chinese(sock_path, make_request, monkeypatch, how):
    if how == "locale":
        monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    async with SocketPinPad(sock_path) as pad:
        app = PinPadApp(sock_path, retry_interval=0.05, lang="zh" if how == "option" else "")
        async with app.run_test(size=(60, 20)) as pilot:
            assert screen(app, "prompt") == "欢迎光临" and app.title == "ScanPay 密码键盘"
            assert screen(app, "hint") == "确认键：确认  退格键：更正  Esc：取消"
            assert not app.query_one("#dots").display  # no PIN box before a PIN is asked for
            await connected(pad)
            await until(pilot, lambda: screen(app, "status") == "已连接收银台")
            reading = asyncio.create_task(pad.read_pin(make_request(attempts_left=1)))
            await until(pilot, lambda: app.request is not None)
            assert screen(app, "prompt") == "请输入支付密码"
            assert screen(app, "attempts") == "还可尝试 1 次"
            assert screen(app, "amount") == "CNY 123.45"
            await pilot.press("1", "2", "3", "4", "5", "6", "enter")
            await asyncio.wait_for(reading, 5)
            assert screen(app, "prompt") == "请稍候……"


def test_every_word_of_the_pad_is_translated_to_chinese_with_the_same_fields():
    problems = catalog_problems("drivers/pinpad/locale/zh/LC_MESSAGES/pinpad.po", "drivers/pinpad")
    assert problems == [], "run `make pinpad-catalog`, then translate:\n" + "\n".join(problems)
    assert attempts_text(3, "zh") == "还可尝试 3 次" and attempts_text(1) == "1 try left"
