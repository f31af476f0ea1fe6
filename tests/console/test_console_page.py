"""The operator console in a real Chromium against a real backend: what store IT sees and does."""

from __future__ import annotations

import csv
import io

import httpx
from playwright.sync_api import expect

from protocol.errors import ErrorCode
from tests.harness import unique

from .conftest import keep, open_console, sign_in

PRINTER = "tcp://10.0.0.9:9100"


def beat(terminal, **fields) -> None:
    report = {
        "app": "scanpay-pos",
        "version": "0.1.0",
        "devices": [
            {"kind": "scanner", "url": "serial:///dev/ttyACM0", "state": "OK"},
            {
                "kind": "printer",
                "url": "tcp://10.0.0.9:9100",
                "state": "ERROR",
                "error": "Paper out",
            },
        ],
    }
    terminal.ok("heartbeat", **{**report, **fields})


def test_the_page_is_served_like_the_wallet_locked_down(store):
    page = httpx.get(store.url + "/console", timeout=10)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    policy = page.headers["content-security-policy"]
    assert "default-src 'none'" in policy and "frame-ancestors 'none'" in policy
    assert page.headers["cache-control"] == "no-store" and page.headers["x-frame-options"] == "DENY"
    assert httpx.get(store.url + "/console/static/nope.js", timeout=10).status_code == 404
    answer = store.operator.http.get("/terminals")
    assert answer.headers["cache-control"] == "no-store"  # operator answers are never cached


def test_a_wrong_token_is_refused_and_the_token_is_kept_nowhere(store, console):
    console.goto(f"{store.url}/console")
    console.click("#sign-in")
    expect(console.locator("#signin-message")).to_have_text(
        "Type your name: every action is recorded with it."
    )
    console.fill("#operator", "Wang Fang")
    console.fill("#token", "not-the-token")
    console.click("#sign-in")
    expect(console.locator("#signin-message")).to_contain_text("not accepted")
    expect(console.locator("#fleet")).to_be_hidden()
    sign_in(console, store)
    assert console.evaluate("() => localStorage.length + sessionStorage.length") == 0
    assert console.context.cookies() == []
    assert console.input_value("#token") == ""


def test_a_till_goes_offline_is_switched_off_and_its_next_payment_refused(store, console):
    till = store.terminal()
    member = store.member(points=10_000)
    beat(till)
    sign_in(console, store)
    row = console.locator(f'tr[data-terminal="{till.terminal_id}"]')
    expect(row.locator("td.state")).to_have_text("online")
    expect(row.locator(".device-error")).to_have_text(
        "printer tcp://10.0.0.9:9100 ERROR: Paper out"
    )
    assert row.locator(".device-error").evaluate("e => getComputedStyle(e).color") == (
        "rgb(179, 38, 30)"
    )
    keep(console, "fleet-online")

    # no more heartbeats: three intervals (1 s each here) later it is offline
    expect(row.locator("td.state")).to_have_text("OFFLINE", timeout=10_000)
    console.check("#fleet-problems")
    expect(row).to_contain_text("offline")

    row.locator("button.disable").click()
    expect(console.locator("#confirm-text")).to_contain_text(f"Switch off {till.terminal_id}?")
    console.click("#confirm-yes")
    expect(console.locator("#confirm-message")).to_have_text(
        "Say why: it is kept in the record with your name."
    )
    console.fill("#confirm-reason", "lost on route 7")
    console.click("#confirm-yes")
    expect(console.locator("#notice")).to_have_text(f"{till.terminal_id} is switched off.")
    expect(row.locator("td.state")).to_have_text("SWITCHED OFF")
    keep(console, "fleet-switched-off")

    refused = till.call("pay", out_trade_no=unique(), payment_code=member.code(), amount_fen=100)
    assert refused.code == ErrorCode.TERMINAL_DISABLED
    actions = store.operator.http.get(f"/terminals/{till.terminal_id}").json()["data"]["actions"]
    assert actions[0] | {"at": 0} == {
        "action": "disable",
        "operator": "Wang Fang",
        "reason": "lost on route 7",
        "at": 0,
    }
    row.locator("button.enable").click()
    console.fill("#confirm-reason", "found it")
    console.click("#confirm-yes")
    expect(row.locator("td.state")).not_to_have_text("SWITCHED OFF")
    till.ok("echo")


def test_payments_refresh_and_a_trade_has_its_whole_story(store, console):
    till = store.terminal()
    member = store.member(points=10_000)
    sign_in(console, store)
    console.click('#tabs button[data-tab="payments"]')
    paid = till.pay(member.code(), 1_250)
    row = console.locator(f'tr[data-trade="{paid["trade_no"]}"]')
    expect(row).to_contain_text("CNY 12.50")  # appears without a reload
    expect(row).to_contain_text("SUCCESS")
    shown_code = row.locator("td").nth(3).inner_text()
    assert "*" in shown_code and len(shown_code) == 18  # masked as everywhere
    till.ok("refund", out_trade_no=paid["out_trade_no"], out_refund_no=unique(), amount_fen=250)

    console.fill("#lookup", paid["out_trade_no"])
    console.click("#lookup-go")
    expect(console.locator("#story-fields")).to_contain_text("PARTIALLY_REFUNDED")
    expect(console.locator("#story-refunds li")).to_have_count(1)
    expect(console.locator("#story-ledger li")).to_have_count(2)  # the payment and the refund
    keep(console, "payments")
    console.fill("#lookup", "NOSUCHTRADE1")
    console.click("#lookup-go")
    expect(console.locator("#notice")).to_contain_text("Not done:")


def test_publish_and_roll_back_a_routing_version(store, console):
    store.server.run_cli("routing", "demo")
    overview = store.operator.http.get("/routing").json()["data"]
    first = overview["active_version"]
    made = store.operator.http.post("/routing/snapshot", json={"note": "the same again"}).json()
    second = made["data"]["version"]
    sign_in(console, store)
    console.click('#tabs button[data-tab="routing"]')
    expect(console.locator("#routing-active")).to_have_text(f"Version in force: {first}")
    console.locator(f'tr[data-version="{second}"] button.publish').click()
    expect(console.locator("#confirm-text")).to_contain_text(f"Publish version {second}?")
    console.click("#confirm-yes")
    expect(console.locator("#confirm-message")).to_have_text(
        "Say why: it is kept in the record with your name."
    )
    console.fill("#confirm-reason", "try the same rules again")
    console.click("#confirm-yes")
    expect(console.locator("#routing-active")).to_have_text(f"Version in force: {second}")
    console.locator(f'tr[data-version="{first}"] button.rollback').click()
    console.fill("#confirm-reason", "back to what worked")
    console.click("#confirm-yes")
    expect(console.locator("#routing-active")).to_have_text(f"Version in force: {first}")
    assert store.operator.http.get("/routing").json()["data"]["active_version"] == first
    # who did it and why, kept with each event and shown on the page
    events = store.operator.http.get("/routing/events").json()["data"]
    assert [(e["kind"], e["operator"], e["reason"]) for e in events[:2]] == [
        ("rollback", "Wang Fang", "back to what worked"),
        ("publish", "Wang Fang", "try the same rules again"),
    ]
    expect(console.locator("#routing-events li").first).to_contain_text(
        f"rolled back to version {first} by Wang Fang: back to what worked"
    )

    console.fill("#draft", "{not json")
    console.click("#draft-save")
    expect(console.locator("#draft-message")).to_contain_text("not valid JSON")
    console.fill("#draft", '{"channels": 5}')
    console.click("#draft-save")
    expect(console.locator("#draft-message")).to_contain_text("Not done:")
    keep(console, "routing")


def test_verify_and_the_days_file_agree_with_the_ledger(store, console):
    till = store.terminal()
    member = store.member(points=10_000)
    paid = [till.pay(member.code(), amount) for amount in (100, 2_345)]
    sign_in(console, store)
    console.click('#tabs button[data-tab="books"]')
    console.click("#verify")
    expect(console.locator("#verify-result")).to_contain_text("All balances agree with the ledger")
    with console.expect_download() as made:
        console.click("#download-csv")
    text = made.value.path().read_text()
    rows = [r for r in csv.DictReader(io.StringIO(text)) if r["record"] == "trade"]
    by_number = {r["trade_no"]: r for r in rows}
    for trade in paid:
        line = by_number[trade["trade_no"]]
        assert (line["state"], int(line["amount_fen"])) == ("SUCCESS", trade["amount_fen"])
        assert int(line["points"]) == trade["points"]
    keep(console, "books")


def test_chinese_follows_the_browser_and_a_lost_connection_is_said_and_retried(store, chromium):
    page = open_console(chromium, locale="zh-CN")
    try:
        page.goto(f"{store.url}/console")
        expect(page.locator("#signin h1")).to_have_text("门店IT登录")
        sign_in(page, store)
        expect(page.locator('#tabs button[data-tab="fleet"]')).to_have_text("终端")
        store.server.stop()
        try:
            expect(page.locator("#network")).to_have_text("无法连接 ScanPay 后台，正在重试…")
        finally:
            store.server.start()
        expect(page.locator("#network")).to_be_hidden(timeout=15_000)
        keep(page, "fleet-zh")
    finally:
        page.context.close()
