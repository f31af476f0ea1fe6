"""The wallet page in a real Chromium against a real backend: what a customer sees and does."""

from __future__ import annotations

import re

import httpx
from playwright.sync_api import expect

from backend_stub.payments.trades import cursor_of
from protocol.errors import ErrorCode
from protocol.money import format_fen, format_points
from protocol.paycode import CodeKind, Issuer, classify, mask
from tests.harness import Member

from .browser import (
    SHORT_CODE_TTL_S,
    bearer_of,
    open_phone,
    read_codes,
    shown_code,
    sign_in,
    wait_for_new_code,
)


def test_sign_in_show_a_code_that_decodes_pay_and_see_the_result(backend_sqlite, phone):
    live = backend_sqlite
    terminal = live.terminal()
    made = live.operator.create_member(points=5_000, card_fen=2_500)
    sign_in(phone, live, made["member_no"])
    expect(phone.locator("#sms-sent")).to_be_hidden()

    # The code on screen: QR and Code128 carry the same live code of the points wallet.
    expect(phone.locator("#countdown")).to_contain_text("New code in")
    [qr] = read_codes(phone.locator("#qr").screenshot())
    bars = read_codes(phone.locator("#barcode").screenshot())
    assert qr.symbology == "qr" and {b.symbology for b in bars} == {"code128"}
    code = qr.text
    # the bars carry the same code (a fallback pass may add a misread, which a
    # terminal's Luhn check refuses: see drivers.camera)
    assert code in {b.text for b in bars}
    info = classify(code)
    assert info.kind is CodeKind.OWN and info.issuer is Issuer.POINTS
    assert phone.inner_text("#digits").replace(" ", "") == mask(code)  # masked until tapped
    assert shown_code(phone) == code

    expect(phone.locator("#balance-points")).to_have_text(
        f"{format_points(5_000)} (worth {format_fen(5_000)})"
    )
    expect(phone.locator("#balance-card")).to_have_text(f"Card: {format_fen(2_500)}")
    expect(phone.locator("#records-empty")).to_be_visible()

    # A till scans it: the page shows the result as it happens, and a new code.
    paid = terminal.pay(code, 1_234)
    assert paid["state"] == "SUCCESS"
    expect(phone.locator("#result-title")).to_have_text(f"Paid {format_fen(1_234)}")
    expect(phone.locator("#result-detail")).to_have_text(
        f"{format_points(1_234)} taken from your points."
    )
    expect(phone.locator("#balance-points")).to_have_text(
        f"{format_points(5_000 - 1_234)} (worth {format_fen(5_000 - 1_234)})"
    )
    expect(phone.locator(f"#records li[data-trade-no='{paid['trade_no']}']")).to_contain_text(
        "Paid"
    )
    fresh = wait_for_new_code(phone, code)
    assert fresh != code and classify(fresh).kind is CodeKind.OWN

    # "Refresh code" on demand: the code before it dies at once.
    phone.click("#refresh")
    newest = wait_for_new_code(phone, fresh)
    assert newest != fresh
    assert terminal.pay(fresh, 100)["reason"] == ErrorCode.CODE_EXPIRED
    assert terminal.pay(newest, 100)["state"] == "SUCCESS"


def test_card_wallet_and_a_payment_above_the_no_pin_limit(backend_sqlite, phone):
    live = backend_sqlite
    terminal = live.terminal()
    made = live.operator.create_member(points=100, card_fen=50_000)
    member = Member(live.url, live.operator, made["member_no"]).login()
    member.set_pin("246810")
    sign_in(phone, live, made["member_no"])

    # Lower the no-PIN limit to CNY 50.00; the system's CNY 200.00 is the cap.
    phone.fill("#limit-input", "500")
    phone.click("#limit-save")
    expect(phone.locator("#limit-message")).to_have_text(
        f"The limit can be at most {format_fen(20_000)}."
    )
    phone.fill("#limit-input", "fifty")
    phone.click("#limit-save")
    expect(phone.locator("#limit-message")).to_have_text("Type an amount like 50 or 50.00.")
    phone.fill("#limit-input", "50")
    phone.click("#limit-save")
    expect(phone.locator("#limit-message")).to_have_text(
        f"Saved. Payments up to {format_fen(5_000)} need no PIN."
    )
    expect(phone.locator("#limit-now")).to_have_text(
        f"Payments up to {format_fen(5_000)} need no PIN."
    )
    assert member.account()["no_pin_limit_fen"] == 5_000
    over = member.set_limit(20_001).json()  # the API refuses what the page would not send
    assert over["code"] == ErrorCode.BAD_REQUEST and "at most 20000" in over["message"]
    assert member.account()["no_pin_limit_fen"] == 5_000

    # The stored-value card's code; CNY 60.00 is above the limit: PIN on the keypad.
    points_code = shown_code(phone)
    phone.click("#tab-card")
    expect(phone.locator("#tab-card")).to_have_attribute("aria-selected", "true")
    code = wait_for_new_code(phone, points_code)
    assert classify(code).issuer is Issuer.CARD
    number = "PIN" + code[-6:]
    waiting = terminal.ok("pay", out_trade_no=number, payment_code=code, amount_fen=6_000)
    assert waiting["state"] == "PIN_REQUIRED"
    expect(phone.locator("#result-title")).to_have_text("Enter your PIN on the keypad")
    expect(phone.locator("#result-sms")).to_be_visible()
    assert terminal.confirm_pin(number, "246810")["state"] == "SUCCESS"
    expect(phone.locator("#result-title")).to_have_text(f"Paid {format_fen(6_000)}")
    expect(phone.locator("#result-detail")).to_have_text("Paid from your stored-value card.")
    expect(phone.locator("#balance-card")).to_have_text(f"Card: {format_fen(44_000)}")
    member.close()


def test_the_code_refreshes_by_itself_before_it_expires(short_codes, phone):
    made = short_codes.operator.create_member(points=1_000)
    terminal = short_codes.terminal()
    sign_in(phone, short_codes, made["member_no"])
    first = shown_code(phone)
    second = wait_for_new_code(phone, first, timeout_ms=SHORT_CODE_TTL_S * 1000 + 3000)
    assert second != first
    assert terminal.pay(first, 10)["reason"] == ErrorCode.CODE_EXPIRED  # replaced: dead
    assert terminal.pay(second, 10)["state"] == "SUCCESS"


def test_a_member_sees_only_their_own_records(backend_sqlite, phone):
    live = backend_sqlite
    terminal = live.terminal()
    alice = live.operator.create_member(points=5_000)
    bob = live.member(points=5_000, pin=None)
    bobs_trade = terminal.pay(bob.code(), 700)["out_trade_no"]
    header = bearer_of(phone)
    sign_in(phone, live, alice["member_no"])
    alices_trade = terminal.pay(shown_code(phone), 300)
    expect(
        phone.locator(f"#records li[data-trade-no='{alices_trade['trade_no']}']")
    ).to_be_visible()
    assert phone.locator("#records li").count() == 1
    assert format_fen(700) not in phone.inner_text("#records")

    # Alice's token, taken from the page, cannot reach Bob's records: there is no way to ask.
    api = httpx.Client(base_url=live.url + "/member/v1", headers=header, timeout=10)
    far = cursor_of(999_999_999)  # a cursor as the server makes them, past every trade
    for params in ({"member_no": bob.member_no}, {"member_id": "1"}, {"cursor": far}):
        items = api.get("/records", params=params).json()["data"]["items"]
        assert bobs_trade not in [t["out_trade_no"] for t in items]
    # ...and Bob's records need Bob's live session.
    bob_records = httpx.get(live.url + "/member/v1/records", timeout=10).json()
    assert bob_records["code"] == ErrorCode.NOT_AUTHORISED
    api.close()


def test_an_expired_session_goes_back_to_sign_in_and_its_token_is_refused(backend_sqlite, phone):
    live = backend_sqlite
    made = live.operator.create_member(points=100)
    header = bearer_of(phone)
    sign_in(phone, live, made["member_no"])
    assert httpx.get(live.url + "/member/v1/account", headers=header).json()["code"] == "OK"

    live.sql(
        "UPDATE member_sessions SET expires_at_ms = 1 WHERE member_id = "
        f"(SELECT id FROM members WHERE member_no = '{made['member_no']}')"
    )
    expect(phone.locator("#signin")).to_be_visible()
    expect(phone.locator("#signin-message")).to_have_text(
        "Your session has ended. Please sign in again."
    )
    expect(phone.locator("#wallet")).to_be_hidden()
    refused = httpx.get(live.url + "/member/v1/account", headers=header).json()
    assert refused["code"] == ErrorCode.NOT_AUTHORISED


def test_sign_out_kills_the_code_on_screen(backend_sqlite, phone):
    live = backend_sqlite
    terminal = live.terminal()
    made = live.operator.create_member(points=1_000)
    sign_in(phone, live, made["member_no"])
    code = shown_code(phone)
    phone.click("#sign-out")
    expect(phone.locator("#signin-message")).to_have_text("You are signed out.")
    for part in ("#hello", "#digits", "#balance-points", "#records"):  # nothing left for the next
        expect(phone.locator(part)).to_have_text("")
    assert terminal.pay(code, 10)["reason"] == ErrorCode.CODE_EXPIRED


def test_a_chinese_phone_gets_chinese_and_plain_errors(backend_sqlite, chromium):
    live = backend_sqlite
    made = live.operator.create_member(points=1_234)
    context = open_phone(chromium, locale="zh-CN")
    page = context.new_page()
    page.goto(f"{live.url}/wallet")
    expect(page.locator("h1")).to_have_text("登录")
    keys = "(lang) => Object.keys(window.WALLET_TEXT[lang]).sort()"
    assert page.evaluate(keys, "zh") == page.evaluate(keys, "en")  # every text in both
    page.click("#send-sms")
    expect(page.locator("#signin-message")).to_have_text("请输入会员号（字母和数字，最多32位）。")
    page.fill("#member-no", made["member_no"])
    page.click("#send-sms")
    expect(page.locator("#sms-sent")).to_contain_text("scanpay-backend sms-outbox --member")
    real = live.operator.last_sms_code(made["member_no"], "login")
    page.fill("#sms-code", f"{(int(real) + 1) % 1_000_000:06d}")
    page.click("#sign-in")
    expect(page.locator("#signin-message")).to_have_text(
        "验证码错误或已过期，请核对短信，或重新发送。"
    )
    page.fill("#sms-code", real)
    page.click("#sign-in")
    expect(page.locator("#balance-points")).to_have_text(
        re.compile(r"^1,234 积分（价值 CNY 12\.34）$")
    )
    expect(page.locator("#countdown")).to_contain_text("秒后自动刷新")
    context.close()


def test_the_page_says_so_when_the_phone_is_offline(backend_sqlite, phone):
    made = backend_sqlite.operator.create_member(points=1_000)
    sign_in(phone, backend_sqlite, made["member_no"])
    phone.context.set_offline(True)
    phone.click("#refresh")
    expect(phone.locator("#code-message")).to_have_text(
        "Could not get a payment code. Cannot reach ScanPay. Check your connection and try again."
    )
    phone.context.set_offline(False)
    phone.click("#refresh")
    expect(phone.locator("#code-message")).to_have_text("")
    expect(phone.locator("#qr")).to_be_visible()
