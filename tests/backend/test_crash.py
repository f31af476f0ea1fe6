"""The server killed with SIGKILL in the middle of payments and refunds, then started again.

Four terminals pay and refund as fast as they can; about a second in, the
server is killed outright (no shutdown, no flush). Started again on the same
database: ``verify`` agrees with every balance, every payment a terminal was
told was SUCCESS is in the books with exactly one deduction of its charge,
every refund a terminal was told was OK is there once, and a terminal's
query tells it the same as before the crash. Trades in flight when it died
are either wholly there or not at all (``verify``). On SQLite and PostgreSQL.
"""

from __future__ import annotations

import os
import random
import signal
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.conftest import LiveBackend, _start
from tests.harness import SignedClient, issue_codes, unique

CLIENTS = 4


@pytest.fixture(params=["sqlite", "postgresql"])
def victim(request, tmp_path) -> Iterator[LiveBackend]:
    url = None
    if request.param == "postgresql":
        url = request.getfixturevalue("postgres").create_database(f"crash_{unique('')[:12]}")
    live = _start(tmp_path, url, request.param)
    try:
        yield live
    finally:
        live.close()


def till_load(terminal: SignedClient, codes: list[str], seen: list[dict[str, Any]]) -> None:
    """Pay with each code, refund about half of what was paid, until the server is gone."""
    rng = random.Random(terminal.terminal_id)
    for code in codes:
        number = unique()
        try:
            reply = terminal.call("pay", out_trade_no=number, payment_code=code, amount_fen=200)
            if reply.code == "OK" and reply.data["state"] == "SUCCESS":
                seen.append({"kind": "pay", "out_trade_no": number, "trade": reply.data})
                if rng.random() < 0.5:
                    refund_no = unique("R")
                    refunded = terminal.call(
                        "refund", out_trade_no=number, out_refund_no=refund_no, amount_fen=100
                    )
                    if refunded.code == "OK":
                        seen.append({"kind": "refund", "out_trade_no": number, "no": refund_no})
        except (httpx.HTTPError, OSError):
            return


def test_a_killed_server_loses_and_doubles_nothing(victim):
    live = victim
    terminals = [live.terminal() for _ in range(CLIENTS)]
    codes = issue_codes(live.database_url, CLIENTS * 150)
    seen: list[list[dict[str, Any]]] = [[] for _ in range(CLIENTS)]
    threads = [
        threading.Thread(target=till_load, args=(t, codes[i::CLIENTS], seen[i]))
        for i, t in enumerate(terminals)
    ]
    for thread in threads:
        thread.start()
    time.sleep(1.2)
    process = live.server.process
    assert process is not None and process.poll() is None, "the load finished before the kill"
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=10)
    for thread in threads:
        thread.join(timeout=30)
    told = [event for events in seen for event in events]
    pays = [e for e in told if e["kind"] == "pay"]
    assert len(pays) >= 10, "too little happened before the kill to mean anything"

    live.server.process = None
    live.server.start()
    verified = live.server.run_cli("verify", check=False)
    assert verified.returncode == 0, verified.stdout
    for event in pays:
        trade_no = event["trade"]["trade_no"]
        rows = live.sql(
            "SELECT l.delta FROM ledger_lines l JOIN trades t ON t.id = l.trade_id "
            f"WHERE t.trade_no = '{trade_no}' AND l.kind = 'pay'"
        )
        assert [r[0] for r in rows] == [-event["trade"]["points"]], trade_no
    for event in (e for e in told if e["kind"] == "refund"):
        rows = live.sql(f"SELECT amount_fen FROM refunds WHERE out_refund_no = '{event['no']}'")
        assert [r[0] for r in rows] == [100]
        given_back = live.sql(
            "SELECT l.delta FROM ledger_lines l JOIN refunds r ON r.id = l.refund_id "
            f"WHERE r.out_refund_no = '{event['no']}'"
        )
        assert len(given_back) == 1 and given_back[0][0] > 0, event["no"]  # credited once
    for i, events in enumerate(seen):
        terminal = SignedClient(live.url, terminals[i].terminal_id, terminals[i].secret)
        for event in events[:5]:
            view = terminal.ok("query", out_trade_no=event["out_trade_no"])
            assert view["state"] in ("SUCCESS", "PARTIALLY_REFUNDED"), view
        terminal.close()
