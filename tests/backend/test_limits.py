"""The gateway's limits through HTTP: rate limits shared by instances, body size, the request pool.

- Rate limits: two instances on one database with low limits; a terminal's
  requests alternate between them, and the counts are the database's, so the
  limit holds for the pair as for one server. Refusals are ``SERVICE_BUSY``
  (429) with ``Retry-After`` and ``data.retry_after_s``, signed.
- Size: a body over ``max_body_bytes`` is 413 ``REQUEST_TOO_LARGE`` whether its
  length is declared or it arrives in chunks, on terminal and member routes.
- Bulkhead: with the database held, an instance whose terminal-request pool
  has 2 slots and 2 queue places admits 4 requests and refuses the rest at
  once (signed ``SERVICE_BUSY``), while ``/healthz`` and ``/metrics`` answer;
  when the database is back, the admitted requests complete.
"""

from __future__ import annotations

import math
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from protocol.errors import ErrorCode
from tests.backend.test_faults import write_lock_held
from tests.backend.test_races import twin
from tests.harness import SignedClient, unique

WINDOW_S = 3


def at_start_of_a_window(window_s: float) -> None:
    """Sleep to just after a window boundary, so a burst falls into one window."""
    time.sleep(window_s - (time.time() % window_s) + 0.05)


@pytest.fixture(scope="module")
def limited_pair(backend, tmp_path_factory):
    """Two instances on the shared database: 4 requests per terminal, 7 per merchant, per 3 s."""
    settings = {"rate_terminal": 4, "rate_merchant": 7, "rate_window_s": WINDOW_S}
    data_dir = backend.server.data_dir if backend.kind == "sqlite" else tmp_path_factory.mktemp("l")
    first = backend.sibling(data_dir, **settings)
    second = backend.sibling(data_dir, **settings)
    try:
        yield first, second
    finally:
        first.close()
        second.close()


def test_rate_limits_hold_across_two_instances_and_say_when_to_retry(limited_pair, backend):
    first, second = limited_pair
    till = first.terminal()
    clients = [till, twin(till, second.url)]
    other = twin(backend.terminal(), first.url)
    at_start_of_a_window(WINDOW_S)
    replies = [clients[i % 2].call("echo") for i in range(6)]
    assert [r.code for r in replies] == ["OK"] * 4 + [ErrorCode.SERVICE_BUSY] * 2
    refused = replies[-1]
    assert refused.status == 429 and refused.body.sign  # checked with the terminal's secret
    assert "terminal rate limit" in refused.body.message
    assert 1 <= refused.data["retry_after_s"] <= WINDOW_S
    # Another terminal of the same merchant: the merchant has 7 per window, 6 are used.
    assert other.call("echo").code == "OK"
    merchant = other.call("echo")
    assert (
        merchant.code == ErrorCode.SERVICE_BUSY and "merchant rate limit" in merchant.body.message
    )
    # The header says the same as the signed body.
    body = till.signed_body({})
    response = till.post_raw("echo", body)
    assert response.status_code == 429
    assert int(response.headers["retry-after"]) == response.json()["data"]["retry_after_s"]
    # A new window: the terminal may go on.
    time.sleep(math.ceil(time.time() / WINDOW_S) * WINDOW_S - time.time() + 0.05)
    assert clients[1].call("echo").code == "OK"
    clients[1].close()
    other.close()


def test_a_forged_request_does_not_spend_a_terminals_allowance(limited_pair):
    first, _ = limited_pair
    till = first.terminal()
    at_start_of_a_window(WINDOW_S)
    for _ in range(6):
        forged = till.signed_body({})
        forged["sign"] = "0" * 64
        assert till.post_raw("echo", forged).json()["code"] == ErrorCode.BAD_SIGNATURE
    assert till.call("echo").code == "OK"


def test_bodies_over_the_limit_are_refused_before_they_are_read(backend):
    terminal = backend.terminal()
    body = terminal.signed_body({"ext_padding": "x" * 70_000})
    declared = terminal.post_raw("echo", body)
    assert declared.status_code == 413
    raw = declared.json()
    assert raw["code"] == ErrorCode.REQUEST_TOO_LARGE and "65536" in raw["message"]

    def chunks():
        yield b'{"padding": "'
        for _ in range(100):
            yield b"y" * 1024
        yield b'"}'

    chunked = httpx.post(backend.url + "/v1/pay", content=chunks(), timeout=10)
    assert chunked.status_code == 413 and chunked.json()["code"] == ErrorCode.REQUEST_TOO_LARGE
    member = httpx.post(
        backend.url + "/member/v1/login",
        json={"member_no": "M1", "sms_code": "1" * 100_000},
        headers={"accept-language": "zh"},
        timeout=10,
    )
    assert member.status_code == 413 and "过大" in member.json()["message"]
    # Nothing was done with the refused request: its nonce is still unused.
    small = terminal.signed_body({}, nonce=body["nonce"], timestamp=body["timestamp"])
    assert terminal.check(terminal.post_raw("echo", small), small["nonce"]).code == "OK"


def test_a_full_request_pool_answers_busy_at_once_and_health_still_answers(backend, tmp_path):
    data_dir = backend.server.data_dir if backend.kind == "sqlite" else tmp_path
    small = backend.sibling(data_dir, db_concurrency=2, db_queue=2, busy_timeout_ms=4000)
    try:
        till = twin(backend.terminal(), small.url)
        assert till.call("echo").code == "OK"  # this instance now knows the terminal
        pool = ThreadPoolExecutor(max_workers=10)
        with write_lock_held(backend):
            started = time.monotonic()
            futures = [pool.submit(timed_echo, till) for _ in range(10)]
            time.sleep(1.0)
            health = httpx.get(small.url + "/healthz", timeout=2)
            metrics = httpx.get(small.url + "/metrics", timeout=2).text
            done_while_held = [f.result() for f in futures if f.done()]
        answers = [f.result() for f in futures]  # the database is free again
        pool.shutdown()
        assert health.status_code == 200
        assert 'scanpay_pool_in_use{pool="terminal_requests"} 2.0' in metrics
        assert 'scanpay_pool_waiting{pool="terminal_requests"} 2.0' in metrics
        busy = [a for a in answers if a[0].code == ErrorCode.SERVICE_BUSY]
        assert len(busy) == 6, [a[0].code for a in answers]
        assert len(done_while_held) == 6  # refused at once, not after the busy timeout
        for reply, _ in busy:
            assert reply.status == 429 and reply.body.sign and reply.data["retry_after_s"] == 1
        assert all(elapsed < 1.0 for reply, elapsed in busy), busy
        ok = [a for a in answers if a[0].code == "OK"]
        assert len(ok) == 4 and all(elapsed >= 1.0 for _, elapsed in ok)
        assert time.monotonic() - started < 8
        assert (
            'scanpay_pool_rejected_total{pool="terminal_requests"} 6.0'
            in httpx.get(small.url + "/metrics", timeout=2).text
        )
        till.close()
    finally:
        small.close()


def timed_echo(terminal: SignedClient) -> tuple[Any, float]:
    started = time.monotonic()
    reply = terminal.call("echo")
    return reply, time.monotonic() - started


def test_a_refused_rate_limit_leaves_no_trade(limited_pair):
    first, _ = limited_pair
    till = first.terminal()
    member = first.member(points=10_000, pin=None)
    at_start_of_a_window(WINDOW_S)
    for _ in range(4):
        till.call("echo")
    number = unique()
    reply = till.call("pay", out_trade_no=number, payment_code=member.code(), amount_fen=100)
    assert reply.code == ErrorCode.SERVICE_BUSY
    time.sleep(WINDOW_S)
    assert till.call("query", out_trade_no=number).code == ErrorCode.TRADE_NOT_FOUND
    assert member.account()["balance_points"] == 10_000
