"""Guide routing (which tenders to offer, and why not) and the risk rules before deduction."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from protocol.errors import ErrorCode
from tests.backend.routing.conftest import (
    alipay_code,
    channel,
    fresh,
    rule,
    unionpay_code,
    wechat_code,
)
from tests.harness import unique


def _guide_config(wx: str, ali: str, up: str) -> dict:
    now = datetime.now(UTC)
    in_maintenance = {
        "start": (now - timedelta(minutes=1)).isoformat(),
        "end": (now + timedelta(hours=1)).isoformat(),
    }
    return {
        "channels": [
            channel(wx, maintenance_periods=[in_maintenance]),
            channel(ali, "alipay"),
            channel(up, "unionpay"),
        ],
        "rules": [
            rule(wx, wx),
            rule(ali, ali, "alipay", max_fen=10_000),
            rule(up, up, "unionpay", merchants=["M9999"]),
        ],
        "guide": {
            "merchants": {"M0001": ["points", "card", "wechat", "alipay", "unionpay", "cash"]},
            "terminal_kinds": {"pda": ["points", "card", "cash"]},
            "categories": {"tobacco": {"deny": ["points"]}, "gift-card": {"only": ["cash"]}},
        },
    }


def test_the_guide_offers_tenders_in_order_and_says_why_others_are_hidden(routing):
    wx, ali, up = fresh("wx"), fresh("ali"), fresh("up")
    version = routing.publish(_guide_config(wx, ali, up))
    pos = routing.live.terminal("pos")
    guide = pos.ok("guide", amount_fen=20_000, categories=["tobacco"])
    assert guide["routing_version"] == version
    offered = [t["tender"] for t in guide["tenders"] if t["available"]]
    hidden = {t["tender"]: t["reason"] for t in guide["tenders"] if not t["available"]}
    assert offered == ["card", "cash"] and guide["tenders"][0]["recommended"]
    assert hidden == {
        "points": ErrorCode.TENDER_NOT_ALLOWED,  # tobacco
        "wechat": ErrorCode.CHANNEL_MAINTENANCE,
        "alipay": ErrorCode.AMOUNT_OUT_OF_RANGE,  # over its channel's CNY 100.00
        "unionpay": ErrorCode.ISSUER_NOT_SUPPORTED,  # only another merchant's rule
        "bank_card": ErrorCode.ISSUER_NOT_SUPPORTED,  # the merchant did not sign for it
    }
    messages = {t["tender"]: t["message"] for t in guide["tenders"] if not t["available"]}
    assert "maintenance" in messages["wechat"] and "this order" in messages["points"]
    small = pos.ok("guide", amount_fen=5_000)
    assert [t["tender"] for t in small["tenders"] if t["available"]] == [
        "points",
        "card",
        "alipay",
        "cash",
    ]
    pda = routing.live.terminal("pda").ok("guide", amount_fen=5_000, categories=["gift-card"])
    assert [t["tender"] for t in pda["tenders"] if t["available"]] == ["cash"]


def test_pay_refuses_what_the_guide_hides(routing_both):
    routing = routing_both
    wx, ali, up = fresh("wx"), fresh("ali"), fresh("up")
    routing.publish(_guide_config(wx, ali, up))
    terminal = routing.live.terminal()
    member = routing.live.member(points=10_000, pin=None)
    code = member.code()
    tobacco = terminal.pay(code, 1_000, categories=["tobacco"])
    assert tobacco["state"] == "FAILED" and tobacco["reason"] == ErrorCode.TENDER_NOT_ALLOWED
    assert member.account()["balance_points"] == 10_000
    assert terminal.pay(code, 1_000)["state"] == "SUCCESS"  # the refusal did not use the code
    assert terminal.pay(alipay_code(), 10_001)["reason"] == ErrorCode.AMOUNT_OUT_OF_RANGE
    assert terminal.pay(wechat_code(), 100)["reason"] == ErrorCode.CHANNEL_MAINTENANCE
    assert terminal.pay(unionpay_code(), 100)["reason"] == ErrorCode.ISSUER_NOT_SUPPORTED


def test_more_than_ten_no_pin_payments_a_day_need_the_pin(routing):
    routing.publish({})  # the built-in rules: WeChat Pay's 10 password-free payments a day
    terminal = routing.live.terminal()
    member = routing.live.member(points=100_000, pin="135246")
    for _ in range(10):
        paid = terminal.pay(member.code(), 100)
        assert paid["state"] == "SUCCESS" and paid["risk"] == "pass"
    eleventh = terminal.pay(member.code(), 100)
    assert eleventh["state"] == "PIN_REQUIRED" and eleventh["risk"] == "pin:no_pin_count"
    confirmed = terminal.confirm_pin(eleventh["out_trade_no"], "135246")
    assert confirmed["state"] == "SUCCESS" and confirmed["risk"] == "pin:no_pin_count"
    other = routing.live.member(points=1_000, pin=None)
    assert terminal.pay(other.code(), 100)["state"] == "SUCCESS"  # per member


def test_velocity_declines_and_a_new_terminal_needs_the_pin(routing):
    cid = fresh("wx")
    routing.publish(
        {
            "channels": [channel(cid)],
            "rules": [rule(cid, cid)],
            "risk": [
                {"kind": "velocity", "limit": 5_000, "window_s": 600, "action": "decline"},
                {"kind": "new_terminal", "window_s": 3600, "action": "pin", "min_fen": 500},
                {"kind": "new_terminal", "window_s": 3600, "action": "decline", "min_fen": 9_000},
            ],
        }
    )
    terminal = routing.live.terminal()  # enrolled a moment ago
    member = routing.live.member(points=100_000, pin="135246")
    assert terminal.pay(member.code(), 400)["risk"] == "pass"  # under min_fen
    asked = terminal.pay(member.code(), 3_000)
    assert asked["state"] == "PIN_REQUIRED" and asked["risk"] == "pin:new_terminal"
    terminal.confirm_pin(asked["out_trade_no"], "135246")
    declined = terminal.pay(member.code(), 2_000)  # 400 + 3,000 + 2,000 > 5,000 in 10 min
    assert declined["state"] == "FAILED" and declined["reason"] == ErrorCode.RISK_DECLINED
    assert declined["risk"] == "decline:velocity"
    assert member.account()["balance_points"] == 100_000 - 3_400
    # an external wallet has no PIN of ours: only declining rules apply to it
    assert terminal.pay(wechat_code(), 1_000)["state"] == "SUCCESS"
    big = terminal.pay(wechat_code(), 9_000, out_trade_no=unique())
    assert big["state"] == "FAILED" and big["reason"] == ErrorCode.RISK_DECLINED
    assert big["risk"] == "decline:new_terminal"
