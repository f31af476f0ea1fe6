"""Health, readiness, Prometheus metrics and structured logs, on real servers.

The log test runs a whole day at the till on a server of its own with the
access log on: enrolment, sign-in by SMS, a PIN set by SMS, payments without
and with the PIN (and a wrong PIN), one confirmed by SMS code, a refund, the
operator API. Then it reads every line the server wrote: each is a JSON
object, and none contains a payment code, the PIN, an SMS code, the
activation code, the terminal's secret, a session token or the operator token.
"""

from __future__ import annotations

import json
import re
import sqlite3
import time
from collections.abc import Iterator

import httpx
import psycopg
import pytest

from backend_stub.api.health import code_revisions
from tests.conftest import LiveBackend, _start
from tests.harness import BackendServer, Member, SignedClient, unique


def test_liveness_readiness_and_metrics(backend):
    alive = httpx.get(backend.url + "/healthz", timeout=5)
    assert alive.status_code == 200 and alive.json()["data"]["status"] == "alive"
    ready = httpx.get(backend.url + "/readyz", timeout=5)
    assert ready.status_code == 200
    assert ready.json()["data"]["migrations"] == sorted(code_revisions())
    terminal = backend.terminal()
    member = backend.member(points=10_000, pin=None)
    terminal.pay(member.code(), 100)
    terminal.call("query", out_trade_no=unique())
    metrics = httpx.get(backend.url + "/metrics", timeout=5)
    assert metrics.status_code == 200 and metrics.headers["content-type"].startswith("text/plain")
    text = metrics.text
    assert re.search(r'scanpay_requests_total\{code="OK",route="/v1/pay",status="200"\} \d', text)
    assert 'scanpay_requests_total{code="TRADE_NOT_FOUND",route="/v1/query",status="404"}' in text
    assert 'scanpay_request_seconds_bucket{code="OK",le="0.25",route="/v1/pay"}' in text
    assert 'scanpay_trade_outcomes_total{reason="",state="SUCCESS"}' in text
    assert 'scanpay_pool_size{pool="terminal_requests"} 32.0' in text
    assert 'scanpay_pool_in_use{pool="database"}' in text
    assert "scanpay_sweeper_actions_total" in text or "scanpay_sweeper_actions" in text
    httpx.get(backend.url + "/no/such/path", timeout=5)
    assert 'route="unmatched"' in httpx.get(backend.url + "/metrics", timeout=5).text


def test_readiness_fails_when_the_schema_is_not_what_the_code_expects(tmp_path):
    server = BackendServer(tmp_path).start()
    try:
        db = sqlite3.connect(tmp_path / "scanpay.db")
        db.execute("UPDATE alembic_version SET version_num = '9999_from_the_future'")
        db.commit()
        answer = httpx.get(server.url + "/readyz", timeout=5)
        assert answer.status_code == 503
        assert "migrations not current" in answer.json()["message"]
        assert httpx.get(server.url + "/healthz", timeout=5).status_code == 200  # still alive
        head = sorted(code_revisions())[0]
        db.execute("UPDATE alembic_version SET version_num = ?", (head,))
        db.commit()
        db.close()
        assert httpx.get(server.url + "/readyz", timeout=5).status_code == 200
    finally:
        server.stop()


@pytest.fixture
def logged_backend(tmp_path) -> Iterator[LiveBackend]:
    live = _start(tmp_path, None, "sqlite", {"access_log": True})
    try:
        yield live
    finally:
        live.close()


def test_the_logs_of_a_day_at_the_till_hold_no_secret(logged_backend):
    live = logged_backend
    activation = live.operator.activation_code()
    terminal = SignedClient.enrol(live.url, activation)
    made = live.operator.create_member(points=200_000)
    member = Member(live.url, live.operator, made["member_no"])
    login_code = member.request_sms("login")
    signed_in = member.http.post(
        "/login", json={"member_no": member.member_no, "sms_code": login_code}
    ).json()["data"]
    member.token = signed_in["token"]
    member.http.headers["authorization"] = f"Bearer {member.token}"
    reset_code = member.request_sms("reset")
    member.http.post("/pin", json={"sms_code": reset_code, "new_pin": "271828"})
    codes = [member.code()]  # each new code of the session replaces the last: one at a time
    small = terminal.pay(codes[-1], 500)
    big = unique()
    codes.append(member.code())
    terminal.pay(codes[-1], 30_000, big)
    wrong = terminal.confirm_pin(big, "999999")
    assert wrong["reason"] == "PIN_WRONG"
    assert terminal.confirm_pin(big, "271828")["state"] == "SUCCESS"
    by_sms = unique()
    codes.append(member.code())
    terminal.pay(codes[-1], 30_000, by_sms)
    pay_code = live.operator.last_sms_code(member.member_no, "pay")
    assert terminal.ok("confirm", out_trade_no=by_sms, sms_code=pay_code)["state"] == "SUCCESS"
    terminal.ok(
        "refund", out_trade_no=small["out_trade_no"], out_refund_no=unique("R"), amount_fen=500
    )
    codes.append(member.code())
    misread = codes[-1][:-1] + str((int(codes[-1][-1]) + 1) % 10)  # a bad check digit
    terminal.call("pay", out_trade_no=unique(), payment_code=misread, amount_fen=1)
    member.http.post("/logout")
    terminal.close()
    member.close()

    lines = live.server.log_path.read_text(errors="replace").splitlines()
    records = [json.loads(line) for line in lines if line.startswith("{")]
    assert any(r.get("route") == "/v1/confirm" and r.get("status") == 200 for r in records)
    assert all(set(r) >= {"ts", "level", "logger", "msg"} for r in records)
    whole = "\n".join(lines)
    secrets = [
        *codes,
        activation,
        terminal.secret,
        login_code,
        reset_code,
        pay_code,
        "271828",
        "999999",
        member.token,
        live.token,
    ]
    for secret in secrets:
        assert not re.search(rf"(?<![0-9A-Za-z]){re.escape(secret)}(?![0-9A-Za-z])", whole), secret


def test_readiness_fails_while_postgresql_refuses_connections_and_comes_back(postgres, tmp_path):
    name = f"ready_{unique('')[:12]}"
    live = _start(tmp_path, postgres.create_database(name), "postgresql")
    admin = psycopg.connect(postgres.admin_dsn(), autocommit=True)
    try:
        assert httpx.get(live.url + "/readyz", timeout=5).status_code == 200
        admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (name,)
        )
        down = httpx.get(live.url + "/readyz", timeout=10)
        assert down.status_code == 503 and "database unreachable" in down.json()["message"]
        assert httpx.get(live.url + "/healthz", timeout=5).status_code == 200  # still alive
        admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
        deadline = time.monotonic() + 10
        while httpx.get(live.url + "/readyz", timeout=10).status_code != 200:
            assert time.monotonic() < deadline, "still not ready after the database came back"
            time.sleep(0.2)
    finally:
        admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
        admin.close()
        live.close()
