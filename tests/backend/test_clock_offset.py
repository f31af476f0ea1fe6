"""``serve --clock-offset-file``: a running server's clock moved forward, the fault suite's seam."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest

from backend_stub.clock import BadClockOffset, FixedClock, OffsetFileClock
from protocol.errors import ErrorCode
from tests.harness import (
    REPO,
    BackendServer,
    Member,
    Operator,
    SignedClient,
    seed_and_token,
    unique,
)


def move(path, seconds: float | str) -> None:
    """Write the offset with a rename, as the option's help says."""
    tmp = path.with_name(path.name + ".new")
    tmp.write_text(f"{seconds}\n")
    tmp.replace(path)


def test_the_offset_is_read_again_when_the_file_changes_and_a_bad_one_is_kept_out(tmp_path):
    path = tmp_path / "offset"
    clock = OffsetFileClock(path, FixedClock(1_000_000))
    assert clock.now_ms() == 1_000_000  # no file: no offset
    move(path, 120)
    assert clock.now_ms() == 1_120_000
    move(path, -1.5)
    assert clock.now_ms() == 998_500
    move(path, "soon")  # nonsense while running: the last good offset stays
    assert clock.now_ms() == 998_500
    path.unlink()
    assert clock.now_ms() == 1_000_000
    move(path, "nan")
    with pytest.raises(BadClockOffset, match="not a number of seconds"):
        OffsetFileClock(path)  # ...and at start-up it is refused


def test_serve_refuses_an_offset_file_that_is_no_number(tmp_path):
    path = tmp_path / "offset"
    path.write_text("tomorrow")
    done = subprocess.run(
        [sys.executable, "-m", "backend_stub", "serve", "--data", str(tmp_path),
         "--port", "1", "--clock-offset-file", str(path)],
        capture_output=True, text=True, cwd=REPO, timeout=60,
    )  # fmt: skip
    assert done.returncode == 2
    assert "--clock-offset-file" in done.stderr and "not a number of seconds" in done.stderr


def test_a_running_server_moved_past_code_expiry_and_the_pin_deadline(tmp_path):
    offset = tmp_path / "offset"
    server = BackendServer(tmp_path / "data", settings={"clock_offset_file": offset})
    _, token = seed_and_token(server)
    server.start()
    operator = Operator(server.url, token)
    terminal = SignedClient.enrol(server.url, operator.activation_code())
    made = operator.create_member(points=100_000)
    member = Member(server.url, operator, made["member_no"]).login()
    member.set_pin("123456")
    try:
        waiting = unique()
        view = terminal.pay(member.code(), 30_000, out_trade_no=waiting)  # above the no-PIN limit
        assert view["state"] == "PIN_REQUIRED"
        unused = member.code()  # shown on the phone, not scanned yet

        move(offset, 100)  # past the code's 60 s and the trade's 90 s
        assert terminal.pay(unused, 100)["reason"] == ErrorCode.CODE_EXPIRED
        deadline = time.monotonic() + 10
        while terminal.ok("query", out_trade_no=waiting)["state"] == "PIN_REQUIRED":
            assert time.monotonic() < deadline, "the sweeper never closed the trade"
            time.sleep(0.2)
        late = terminal.confirm_pin(waiting, "123456")  # the customer's PIN, too late
        assert late["state"] == "CLOSED"
        assert member.account()["balance_points"] == 100_000  # nothing taken

        fresh = terminal.pay(member.code(), 1_000)  # the moved clock is the clock now
        assert fresh["state"] == "SUCCESS"
        move(offset, 0)
        assert terminal.pay(member.code(), 1_000)["state"] == "SUCCESS"
        assert "clock offset is now +100000 ms" in server.log_tail(200)
        assert server.run_cli("verify").returncode == 0
    finally:
        for client in (terminal, member, operator):
            client.close()
        server.stop()
