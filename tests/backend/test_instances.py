"""Two ``serve`` instances on one database behave as one (DESIGN.md 13).

Beside tests/backend/test_races.py (one code raced, one balance raced, late
confirms against the sweeper): here the same ``out_trade_no``, the same
signed request (one nonce), and the same expired trades are raced across two
instances. Each runs on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from protocol.errors import ErrorCode
from tests.backend.test_races import twin
from tests.conftest import LiveBackend, _start
from tests.harness import unique


def test_one_out_trade_no_raced_on_two_instances_is_one_trade_and_one_deduction(
    backend, fast_backend
):
    terminal = backend.terminal()
    clients = [terminal, twin(terminal, fast_backend.url)]
    member = backend.member(points=100_000, pin=None)
    code, number = member.code(), unique()

    def pay(i: int) -> Any:
        amount = 300 if i % 4 == 3 else 200  # a quarter reuse the number for another payment
        return clients[i % 2].call("pay", out_trade_no=number, payment_code=code, amount_fen=amount)

    with ThreadPoolExecutor(max_workers=24) as pool:
        replies = list(pool.map(pay, range(24)))
    clients[1].close()
    ok = [r for r in replies if r.code == "OK"]
    refused = [r for r in replies if r.code != "OK"]
    assert {r.data["trade_no"] for r in ok} == {ok[0].data["trade_no"]}
    assert {r.code for r in refused} <= {ErrorCode.DUPLICATE_REQUEST_NUMBER}
    paid = ok[0].data["amount_fen"]
    assert all(r.data["state"] == "SUCCESS" and r.data["amount_fen"] == paid for r in ok)
    assert member.account()["balance_points"] == 100_000 - paid
    lines = backend.sql(
        "SELECT count(*) FROM ledger_lines l JOIN trades t ON t.id = l.trade_id "
        f"WHERE t.trade_no = '{ok[0].data['trade_no']}'"
    )
    assert lines[0][0] == 1
    assert backend.operator.verify()["ok"]


def test_one_signed_request_raced_on_two_instances_is_done_once(backend, fast_backend):
    terminal = backend.terminal()
    member = backend.member(points=100_000, pin=None)
    body = terminal.signed_body(
        {"out_trade_no": unique(), "payment_code": member.code(), "amount_fen": 700}
    )
    urls = [backend.url, fast_backend.url]

    def send(i: int) -> dict[str, Any]:
        return dict(httpx.post(urls[i % 2] + "/v1/pay", json=body, timeout=30).json())

    with ThreadPoolExecutor(max_workers=20) as pool:
        answers = list(pool.map(send, range(20)))
    codes = [a["code"] for a in answers]
    assert codes.count("OK") == 1, codes
    assert codes.count(ErrorCode.REPLAYED_REQUEST) == 19
    assert member.account()["balance_points"] == 100_000 - 700


@pytest.fixture(params=["sqlite", "postgresql"])
def sweeping_pair(request, tmp_path) -> Iterator[tuple[LiveBackend, LiveBackend]]:
    """Two instances on a database of their own, PIN deadline 1 s, sweeping every 50 ms."""
    url = None
    if request.param == "postgresql":
        url = request.getfixturevalue("postgres").create_database(f"sweep_{unique('')[:12]}")
    settings = {"pin_deadline_s": 1, "sweep_interval_s": 0.05}
    first = _start(tmp_path / "a", url, request.param, settings)
    data_dir = first.server.data_dir if url is None else tmp_path / "b"
    second = first.sibling(data_dir, **settings)
    try:
        yield first, second
    finally:
        second.close()
        first.close()


def closed_by(live: LiveBackend) -> int:
    text = httpx.get(live.url + "/metrics", timeout=5).text
    found = re.search(
        r'scanpay_sweeper_actions_total\{action="closed_past_pin_deadline"\} (\S+)', text
    )
    return int(float(found.group(1))) if found else 0


def test_two_sweepers_close_each_expired_trade_exactly_once(sweeping_pair):
    first, second = sweeping_pair
    terminal = first.terminal()
    member = first.member(points=10_000_000, pin="424242")
    numbers = [unique() for _ in range(30)]
    for number in numbers:
        assert terminal.pay(member.code(), 30_000, number)["state"] == "PIN_REQUIRED"
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        open_ = first.sql("SELECT count(*) FROM trades WHERE state = 'PIN_REQUIRED'")[0][0]
        if open_ == 0:
            break
        time.sleep(0.1)
    states = {terminal.ok("query", out_trade_no=n)["state"] for n in numbers}
    assert states == {"CLOSED"}
    assert closed_by(first) + closed_by(second) == len(numbers)  # none closed twice
    assert member.account()["balance_points"] == 10_000_000
    assert first.operator.verify()["ok"]
