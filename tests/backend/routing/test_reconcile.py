"""Reconciliation: the merchant's daily file and a channel's statement against our books."""

from __future__ import annotations

import csv
import io
import json
import time

from backend_stub.cli.main import main
from tests.backend.routing.conftest import channel, fresh, rule, wechat_code
from tests.harness import unique


def business_day() -> str:
    return time.strftime("%Y-%m-%d", time.gmtime(time.time() + 8 * 3600))  # UTC+8


def rows_of(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_the_daily_file_lists_every_trade_and_refund_with_channel_totals(routing, capsys):
    cid = fresh("wx")
    routing.publish({"channels": [channel(cid, rate_ppm=3800)], "rules": [rule(cid, cid)]})
    terminal = routing.live.terminal()
    member = routing.live.member(points=10_000, pin=None)
    number = unique()
    wx = terminal.pay(wechat_code(), 10_000, number)
    terminal.ok("refund", out_trade_no=number, out_refund_no=unique("R"), amount_fen=4_000)
    declined = terminal.pay(wechat_code(), 1_296)  # the simulator's default: NOTENOUGH
    combo = terminal.pay(member.code(), 700, other_tenders=[{"tender": "cash", "amount_fen": 300}])
    answer = routing.http.get("/reconcile", params={"date": business_day()})
    assert answer.headers["content-type"].startswith("text/csv")
    rows = rows_of(answer.text)
    trades = {r["trade_no"]: r for r in rows if r["record"] == "trade"}
    assert trades[wx["trade_no"]]["channel"] == cid
    assert trades[wx["trade_no"]]["fee_fen"] == "38"  # 0.38 % of CNY 100.00
    assert trades[wx["trade_no"]]["routing_version"] == str(wx["routing_version"])
    assert trades[declined["trade_no"]]["state"] == "FAILED"
    assert json.loads(trades[combo["trade_no"]]["parts"]) == [
        {"tender": "cash", "amount_fen": 300, "reference": ""}
    ]
    refunds = [r for r in rows if r["record"] == "refund" and r["trade_no"] == wx["trade_no"]]
    assert [r["refund_fen"] for r in refunds] == ["4000"]
    total = next(r for r in rows if r["record"] == "channel_total" and r["channel"] == cid)
    assert (total["count"], total["amount_fen"], total["refund_fen"], total["fee_fen"]) == (
        "1",
        "10000",
        "4000",
        "38",
    )
    assert total["net_fen"] == str(10_000 - 4_000 - 38)
    assert any(r["record"] == "tender_total" and r["channel"] == "cash" for r in rows)
    # the same file from the command line, and the statement compared: all agree
    out = routing.live.server.data_dir / "reconcile.csv"
    args = ["reconcile", *routing.live.server.db_args, "--date", business_day(), "--out", str(out)]
    assert main([*args, "--channel", cid]) == 0
    printed = capsys.readouterr().out
    assert f"Channel {cid}: 2 statement lines, 0 difference(s)." in printed
    assert rows_of(out.read_text())[0].keys() == rows[0].keys()


def test_the_statement_comparison_lists_every_difference(routing, capsys):
    agreed, cheap_here = fresh("wx"), fresh("wx")
    routing.publish(
        {
            "channels": [channel(agreed), channel(cheap_here, rate_ppm=3800)],
            "rules": [
                rule(agreed, agreed, max_fen=5_000),
                # our rule believes in a discount the channel does not give
                rule(cheap_here, cheap_here, min_fen=5_001, fee={"rate_ppm": 1000}),
            ],
        }
    )
    terminal = routing.live.terminal()
    ours = terminal.pay(wechat_code(), 2_000)
    discounted = terminal.pay(wechat_code(), 10_000)
    assert (ours["channel"], discounted["channel"]) == (agreed, cheap_here)
    now_ms = int(time.time() * 1000)
    routing.live.sql(  # a payment the channel took that our books never saw
        "INSERT INTO sim_orders (channel, channel_trade_no, code_masked, amount_fen, behaviour,"
        f" state, refunded_fen, paid_at_ms, created_at_ms) VALUES ('{agreed}', 'STRANGER-1',"
        f" '', 555, 'success', 'PAID', 0, {now_ms}, {now_ms})",
        f"UPDATE sim_orders SET amount_fen = 1999 WHERE channel_trade_no = '{ours['trade_no']}-1'",
    )
    found = routing.http.get(
        f"/reconcile/channels/{agreed}", params={"date": business_day()}
    ).json()["data"]
    kinds = sorted((d["kind"], d["number"]) for d in found["differences"])
    assert kinds == [
        ("amount_differs", ours["trade_no"] + "-1"),
        ("only_at_channel", "STRANGER-1"),
    ]
    fees = routing.http.get(
        f"/reconcile/channels/{cheap_here}", params={"date": business_day()}
    ).json()["data"]["differences"]
    assert [(d["kind"], d["ours_fen"], d["theirs_fen"]) for d in fees] == [("fee_differs", 10, 38)]
    args = ["reconcile", *routing.live.server.db_args, "--date", business_day()]
    assert main([*args, "--channel", agreed, "--out", "/dev/null"]) == 1  # differences: exit 1
    assert "only_at_channel" in capsys.readouterr().out
    routing.live.sql("DELETE FROM sim_orders WHERE channel_trade_no = 'STRANGER-1'")
