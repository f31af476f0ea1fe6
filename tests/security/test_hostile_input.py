"""Hostile input (issue 19): every parameter bounded, text the database cannot store refused,
cursors opaque, the books unbreakable, the signature unambiguous, secrets never cached or logged.
"""

from __future__ import annotations

import base64
import io
import logging

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from backend_stub.observability.logs import MaskSecrets, TextFormatter
from protocol import signing
from protocol.errors import ErrorCode
from protocol.models import MAX_BALANCE
from tests.conftest import _start
from tests.harness import Member, unique

CURSORS = [
    "²",
    "9" * 30,
    "abc",
    "dHJhZGVzOjEyMw",
    base64.urlsafe_b64encode(b"trades:1\xb2").decode(),
]


@pytest.mark.parametrize("cursor", CURSORS)
def test_a_cursor_the_server_did_not_make_is_a_bad_request_not_a_system_error(backend, cursor):
    terminal = backend.terminal()
    refused = terminal.call("trades", cursor=cursor)
    assert refused.code == ErrorCode.BAD_REQUEST and "cursor" in refused.body.message
    member = backend.member(pin=None)
    records = member.http.get("/records", params={"cursor": cursor}).json()
    assert records["code"] == ErrorCode.BAD_REQUEST and "cursor" in records["message"]


def test_a_real_cursor_pages_on(backend):
    terminal = backend.terminal()
    member = backend.member(points=10_000)
    for _ in range(3):
        terminal.pay(member.code(), 100)
    first = terminal.ok("trades", limit=2)
    assert not first["next_cursor"].isdigit()  # opaque
    assert len(terminal.ok("trades", limit=2, cursor=first["next_cursor"])["items"]) == 1


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/members", {"member_no": "MX1", "phone": "13900000001", "points": 2**63}, "points"),
        ("/members", {"member_no": "MX2", "phone": "13900000002", "card_fen": 10**30}, "card_fen"),
        (
            "/members",
            {"member_no": "MX3", "phone": "139000003", "points": MAX_BALANCE + 1},
            "points",
        ),
        ("/activation-codes", {"kind": "pos", "ttl_s": 2**63}, "ttl_s"),
    ],
)
def test_the_operator_api_bounds_every_number(backend, path, body, field):
    answer = backend.operator.http.post(path, json=body)
    assert answer.status_code == 400, answer.text
    assert answer.json()["code"] == ErrorCode.BAD_REQUEST and field in answer.json()["message"]


def test_a_top_up_past_the_largest_balance_is_refused_and_changes_nothing(backend):
    terminal = backend.terminal()
    made = backend.operator.create_member(card_fen=MAX_BALANCE - 50)
    them = Member(backend.url, backend.operator, made["member_no"]).login()
    try:
        refused = terminal.call(
            "topup", out_request_no=unique(), payment_code=them.code("card"), amount_fen=100
        )
        assert refused.code == ErrorCode.BAD_REQUEST and "most an account may hold" in (
            refused.body.message
        )
        assert them.account()["balance_card_fen"] == MAX_BALANCE - 50
    finally:
        them.close()
    assert backend.operator.verify()["ok"]


@pytest.fixture
def own_store(tmp_path):
    live = _start(tmp_path, None, "sqlite")
    yield live
    live.close()


def test_verify_reports_a_broken_book_instead_of_failing(own_store):
    made = own_store.operator.create_member(points=100)
    account = own_store.sql(
        "SELECT a.id FROM accounts a JOIN members m ON m.id = a.member_id "
        f"WHERE m.member_no = '{made['member_no']}' AND a.kind = 'points'"
    )[0][0]
    own_store.sql(
        f"UPDATE accounts SET balance = 9.5e18 WHERE id = {account}",
        "INSERT INTO ledger_lines (account_id, delta, balance_after, kind, note, created_at_ms) "
        f"VALUES ({account}, 9223372036854775807, 0, 'topup', '', 0), "
        f"({account}, 9223372036854775807, 0, 'topup', '', 0)",
    )
    report = own_store.operator.verify()
    assert report["ok"] is False
    assert any("is not a whole number" in p for p in report["problems"])
    cli = own_store.server.run_cli("verify", check=False)
    assert cli.returncode == 1 and "Traceback" not in cli.stderr


def test_text_no_database_can_store_is_refused_naming_the_field(backend):
    terminal = backend.terminal()
    member = backend.member(points=10_000)
    number = unique()
    nul = "gift\x00"
    refused = terminal.call(
        "pay", out_trade_no=number, payment_code=member.code(), amount_fen=100, description=nul
    )
    assert refused.code == ErrorCode.BAD_REQUEST and "description" in refused.body.message
    assert terminal.call("query", out_trade_no=number).code == ErrorCode.TRADE_NOT_FOUND
    paid = terminal.pay(member.code(), 100)
    refund = terminal.call(
        "refund",
        out_trade_no=paid["out_trade_no"],
        out_refund_no=unique(),
        amount_fen=1,
        reason=nul,
    )
    assert refund.code == ErrorCode.BAD_REQUEST and "reason" in refund.body.message
    outbox = backend.operator.http.get("/sms-outbox", params={"member_no": "M\x00"}).json()
    assert outbox["code"] == ErrorCode.BAD_REQUEST and "member_no" in outbox["message"]
    # a lone surrogate (JSON's "\ud800") is no UTF-8 at all: nobody can even sign it
    for escaped in ("\\u0000", "\\ud800"):
        code = backend.operator.activation_code()
        raw = f'{{"activation_code": "{code}", "device_name": "till{escaped}"}}'.encode()
        enrol = httpx.post(
            backend.url + "/v1/enrol",
            content=raw,
            headers={"content-type": "application/json"},
            timeout=10,
        ).json()
        assert enrol["code"] == ErrorCode.BAD_REQUEST and "device_name" in enrol["message"]
        body = (
            f'{{"member_no": "{unique("M")[:20]}", "phone": "13900000009", "name": "x{escaped}"}}'
        )
        created = backend.operator.http.post(
            "/members", content=body.encode(), headers={"content-type": "application/json"}
        ).json()
        assert created["code"] == ErrorCode.BAD_REQUEST and "name" in created["message"]


def test_a_field_added_empty_after_signing_changes_nothing_and_odd_names_are_refused(backend):
    terminal = backend.terminal()
    body = terminal.signed_body({})
    body["description"] = ""  # outside the signature by design: read as absent
    assert terminal.check(terminal.post_raw("echo", body), body["nonce"]).code == "OK"
    odd = {**terminal.signed_body({}), "a&b": "1"}  # no one can sign it: refused before that
    answer = terminal.post_raw("echo", odd).json()
    assert answer["code"] == ErrorCode.BAD_REQUEST and "field names" in answer["message"]


def test_a_value_cannot_pose_as_two_fields():
    one = {"description": "gift&ext_x=1", "amount_fen": 100}
    two = {"description": "gift", "ext_x": "1", "amount_fen": 100}
    assert signing.canonical_string(one, "K") != signing.canonical_string(two, "K")
    assert signing.sign(one, "K") != signing.sign(two, "K")
    with pytest.raises(ValueError, match="field name"):
        signing.sign({"a=b": "c"}, "K")


_names = st.text(alphabet="ab_=&%", min_size=1, max_size=4)
_values = st.one_of(st.text(alphabet="ab=&%2", max_size=6), st.integers(0, 99))


@given(st.dictionaries(_names, _values, max_size=4), st.dictionaries(_names, _values, max_size=4))
def test_two_different_field_sets_never_share_a_canonical_string(one, two):
    def kept(params):
        return {k: str(v).lower() for k, v in params.items() if v != ""}

    try:
        first, second = signing.canonical_string(one, "K"), signing.canonical_string(two, "K")
    except ValueError:  # a name that cannot be signed: refused, never ambiguous
        return
    if first == second:
        assert kept(one) == kept(two)


def test_answers_that_carry_a_secret_are_never_cached(backend):
    answer = httpx.post(
        backend.url + "/v1/enrol",
        json={"activation_code": backend.operator.activation_code()},
        timeout=10,
    )
    assert answer.json()["code"] == "OK" and answer.headers["cache-control"] == "no-store"
    outbox = backend.operator.http.get("/sms-outbox")
    assert outbox.headers["cache-control"] == "no-store"


def test_the_text_log_format_masks_exception_text_too():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(MaskSecrets())
    handler.setFormatter(TextFormatter("%(levelname)s %(message)s"))
    logger = logging.getLogger("scanpay.test.text")
    logger.addHandler(handler)
    try:
        raise ValueError("bad cursor 811234567890123452 from the caller")
    except ValueError:
        logger.exception("request failed")
    finally:
        logger.removeHandler(handler)
    out = stream.getvalue()
    assert "811234567890123452" not in out and "bad cursor 81" in out


def test_a_system_error_on_a_call_that_moves_no_money_says_nothing_changed():
    from backend_stub.errors import ApiError, nothing_changed

    error = nothing_changed(ApiError(ErrorCode.SYSTEM_ERROR))
    assert error.code is ErrorCode.INTERNAL_ERROR
    assert error.message("en") == "Something went wrong; nothing was changed. Try again."
    assert error.message("zh") == "出错了，没有做任何更改，请重试。"
    assert nothing_changed(ApiError(ErrorCode.BAD_REQUEST)).code is ErrorCode.BAD_REQUEST


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
def test_a_day_the_books_cannot_hold_is_a_bad_request(backend, day):
    """Found by the fuzzer: a far year made the reconciliation file overflow (500)."""
    answer = backend.operator.http.get("/reconcile", params={"date": day}).json()
    assert answer["code"] == ErrorCode.BAD_REQUEST and "date" in answer["message"]
    compared = backend.operator.http.get("/reconcile/channels/sim-a", params={"date": day}).json()
    assert compared["code"] == ErrorCode.BAD_REQUEST
