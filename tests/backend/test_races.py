"""Races, with two server instances on one database: codes, balances, and the sweeper.

Every race runs against both ``backend`` and ``fast_backend`` (two ``serve``
processes on the same SQLite file or PostgreSQL database), so what keeps it
right must live in the database, not in a process.
"""

from __future__ import annotations

import re
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
from sqlalchemy import select

from backend_stub.ledger.postings import EntryKind, post
from backend_stub.payments.members import find_member
from backend_stub.storage.db import Database
from backend_stub.storage.schema import accounts, members
from protocol.errors import ErrorCode
from tests.harness import Member, SignedClient, unique


def twin(terminal: SignedClient, url: str) -> SignedClient:
    """The same terminal talking to another instance."""
    return SignedClient(url, terminal.terminal_id, terminal.secret, **terminal.extra)


def test_fifty_concurrent_pays_with_one_code_make_exactly_one_payment(backend, fast_backend):
    terminal = backend.terminal()
    clients = [terminal, twin(terminal, fast_backend.url)]
    member = backend.member(points=100_000, pin=None)
    code = member.code()  # issued by the 60 s instance

    def pay(i: int) -> Any:
        return clients[i % 2].pay(code, 100)

    with ThreadPoolExecutor(max_workers=50) as pool:
        trades = list(pool.map(pay, range(50)))
    clients[1].close()
    states = [t["state"] for t in trades]
    assert states.count("SUCCESS") == 1
    assert {t["reason"] for t in trades if t["state"] != "SUCCESS"} == {ErrorCode.CODE_USED}
    assert member.account()["balance_points"] == 100_000 - 100
    assert backend.operator.verify()["ok"]


def _many_sessions(live, member_no: str, count: int) -> list[Member]:
    """``count`` signed-in wallet sessions of one member (each has its own code slot)."""

    def login(sms_code: str) -> Member:
        member = Member(live.url, live.operator, member_no)
        answer = member.http.post("/login", json={"member_no": member_no, "sms_code": sms_code})
        member.token = answer.json()["data"]["token"]
        member.http.headers["authorization"] = f"Bearer {member.token}"
        return member

    http = httpx.Client(base_url=live.url + "/member/v1", timeout=30)
    sessions: list[Member] = []
    while len(sessions) < count:  # ten codes at a time: more unused ones are refused
        batch = min(10, count - len(sessions))
        for _ in range(batch):
            http.post("/sms", json={"member_no": member_no, "purpose": "login"})
        texts = [m["text"] for m in live.operator.outbox(member_no, limit=batch)]
        codes = [re.search(r"\b(\d{6})\b", text).group(1) for text in texts]  # type: ignore[union-attr]
        with ThreadPoolExecutor(max_workers=10) as pool:
            sessions += pool.map(login, codes)
    http.close()
    return sessions


def test_fifty_concurrent_pays_against_a_balance_for_ten(backend, fast_backend):
    terminal = backend.terminal()
    clients = [terminal, twin(terminal, fast_backend.url)]
    made = backend.operator.create_member(points=1_000)
    sessions = _many_sessions(backend, made["member_no"], 50)
    codes = [session.code() for session in sessions]

    def pay(i: int) -> Any:
        return clients[i % 2].pay(codes[i], 100)  # 100 points each: the balance covers 10

    with ThreadPoolExecutor(max_workers=50) as pool:
        trades = list(pool.map(pay, range(50)))
    clients[1].close()
    for session in sessions:
        session.close()
    states = [t["state"] for t in trades]
    assert states.count("SUCCESS") == 10
    assert {t["reason"] for t in trades if t["state"] != "SUCCESS"} == {
        ErrorCode.INSUFFICIENT_BALANCE
    }
    assert all(t["balance_points"] >= 0 for t in trades)
    assert backend.operator.member(made["member_no"])["balance_points"] == 0
    verified = backend.server.run_cli("verify")
    assert verified.returncode == 0 and "all balances agree" in verified.stdout


def test_late_confirms_racing_the_sweeper_each_end_one_way(fast_backend, backend):
    """PINs sent around the deadline: each trade ends SUCCESS or CLOSED, and query agrees."""
    terminal = fast_backend.terminal()
    clients = [terminal, twin(terminal, backend.url)]
    member = fast_backend.member(points=1_000_000, pin="424242")
    offsets = [-0.9, -0.6, -0.3, -0.1, 0.0, 0.1, 0.3, 0.7]  # seconds around the 2 s deadline
    started = []
    for _ in offsets:
        number = unique()
        terminal.pay(member.code(), 30_000, number)
        started.append((number, time.monotonic()))
    envelopes = [terminal.pin_envelope(number, "424242") for number, _ in started]

    def confirm(i: int) -> Any:
        number, paid_at = started[i]
        time.sleep(max(0.0, paid_at + 2.0 + offsets[i] - time.monotonic()))
        return clients[i % 2].ok("confirm", out_trade_no=number, pin_envelope=envelopes[i])

    with ThreadPoolExecutor(max_workers=len(offsets)) as pool:
        answers = list(pool.map(confirm, range(len(offsets))))
    clients[1].close()
    time.sleep(0.5)  # let the sweepers run over whatever is left
    for (number, _), answer in zip(started, answers, strict=True):
        assert answer["state"] in ("SUCCESS", "CLOSED"), answer
        if answer["state"] == "CLOSED":
            assert answer["reason"] == ErrorCode.TRADE_CLOSED
        assert terminal.ok("query", out_trade_no=number)["state"] == answer["state"]
    paid = sum(1 for a in answers if a["state"] == "SUCCESS")
    # A PIN sent after the deadline is always refused. (One sent before it may still
    # arrive late on a loaded machine, so the early ones may end either way.)
    assert answers[-1]["state"] == "CLOSED"
    assert member.account()["balance_points"] == 1_000_000 - paid * 30_000
    assert fast_backend.operator.verify()["ok"]


def test_a_pay_waiting_for_the_member_reads_the_balance_as_the_top_up_left_it(backend):
    """A top-up holds the member while a pay that needs it waits: the pay sees the new balance.

    (On PostgreSQL the pay's read waits on the member's and accounts' row
    locks; a row read without its lock would show the balance as it was
    before the wait, and the pay would be refused for a balance it has.)
    """
    terminal = backend.terminal()
    member = backend.member(points=50, pin=None)
    code = member.code()
    db = Database(backend.database_url)
    pool = ThreadPoolExecutor(max_workers=1)
    try:
        with db.write() as conn:
            member_id = conn.execute(
                select(members.c.id).where(members.c.member_no == member.member_no)
            ).scalar_one()
            find_member(conn, member_id=member_id, for_update=True)  # as a top-up does
            points = conn.execute(
                select(accounts.c.id).where(
                    accounts.c.member_id == member_id, accounts.c.kind == "points"
                )
            ).scalar_one()
            post(conn, points, 100, EntryKind.TOPUP, int(time.time() * 1000), note="test")
            waiting = pool.submit(terminal.pay, code, 120)  # 120 points: more than 50
            time.sleep(1.0)
            assert not waiting.done()  # the pay waits for the member
        trade = waiting.result(timeout=30)  # the top-up has committed
    finally:
        pool.shutdown()
        db.dispose()
    assert trade["state"] == "SUCCESS", trade
    assert trade["balance_points"] == 30
    assert backend.operator.verify()["ok"]
