"""The gateway through HTTP: signatures both ways, replay, validation, plain errors."""

from __future__ import annotations

import httpx

from protocol import replay, signing
from protocol.errors import ERRORS, ErrorCode
from tests.harness import SignedClient, unique

FORBIDDEN_IN_ERRORS = ("Traceback", "SELECT", "INSERT", "sqlalchemy", "/work/", ".py", "psycopg")


def assert_plain(message: str) -> None:
    for word in FORBIDDEN_IN_ERRORS:
        assert word not in message, message


def test_echo_is_a_signed_round_trip(backend):
    terminal = backend.terminal()
    body = terminal.signed_body({})
    response = terminal.post_raw("echo", body)
    raw = response.json()
    assert response.status_code == 200 and raw["code"] == "OK"
    assert raw["nonce"] == body["nonce"]
    assert signing.verify(raw, terminal.secret)
    assert not signing.verify(raw, "another secret")


def test_unknown_terminal_is_answered_unsigned(backend):
    stranger = SignedClient(backend.url, "TNOSUCHTERMINAL", "x" * 64)
    body = stranger.signed_body({})
    response = stranger.post_raw("echo", body)
    raw = response.json()
    assert response.status_code == 401
    assert raw["code"] == ErrorCode.UNKNOWN_TERMINAL and raw["sign"] == ""
    assert "activation code" in raw["message"]


def test_unreadable_bodies_are_bad_requests(backend):
    terminal = backend.terminal()
    for body, words in (
        (b"{not json", "not valid JSON"),
        (b"[1, 2]", "JSON object"),
        (b'{"amount_fen": 12.5}', "whole"),
    ):
        response = terminal.post_raw("pay", body)
        raw = response.json()
        assert response.status_code == 400 and raw["code"] == ErrorCode.BAD_REQUEST, raw
        assert words in raw["message"]
        assert raw["sign"] == ""


def test_a_wrong_signature_is_refused_and_the_answer_is_signed(backend):
    terminal = backend.terminal()
    body = terminal.signed_body({})
    body["sign"] = "0" * 64
    reply = terminal.check(terminal.post_raw("echo", body), body["nonce"])
    assert reply.status == 401 and reply.code == ErrorCode.BAD_SIGNATURE
    assert reply.body.sign  # signed with the terminal's secret, checked by terminal.check


def test_extension_fields_are_signed_and_tolerated(backend):
    terminal = backend.terminal()
    body = terminal.signed_body({"ext_lane": "7", "ext_meta": {"shift": 3}})
    assert terminal.check(terminal.post_raw("echo", body), body["nonce"]).code == "OK"
    tampered = terminal.signed_body({"ext_lane": "7"})
    tampered["ext_lane"] = "8"
    reply = terminal.check(terminal.post_raw("echo", tampered), tampered["nonce"])
    assert reply.code == ErrorCode.BAD_SIGNATURE


def test_unknown_fields_and_bad_values_name_the_field(backend):
    terminal = backend.terminal()
    reply = terminal.call("echo", colour="red")
    assert reply.status == 400 and reply.code == ErrorCode.BAD_REQUEST
    assert "colour" in reply.body.message
    reply = terminal.call("pay", out_trade_no=unique(), payment_code="81", amount_fen=0)
    assert reply.code == ErrorCode.BAD_REQUEST and "amount_fen" in reply.body.message
    assert_plain(reply.body.message)
    reply = terminal.call("pay", out_trade_no="no spaces allowed", payment_code="1", amount_fen=1)
    assert "out_trade_no" in reply.body.message


def test_stale_and_replayed_requests_are_refused(backend, fast_backend):
    terminal = backend.terminal()
    old = terminal.signed_body({}, timestamp=replay.now_s() - 301)
    reply = terminal.check(terminal.post_raw("echo", old), old["nonce"])
    assert reply.status == 401 and reply.code == ErrorCode.STALE_REQUEST
    body = terminal.signed_body({})
    assert terminal.check(terminal.post_raw("echo", body), body["nonce"]).code == "OK"
    again = terminal.check(terminal.post_raw("echo", body), body["nonce"])
    assert again.code == ErrorCode.REPLAYED_REQUEST
    # The nonce lives in the database: another instance refuses the replay too.
    other = httpx.post(fast_backend.url + "/v1/echo", json=body, timeout=10).json()
    assert other["code"] == ErrorCode.REPLAYED_REQUEST


def test_error_status_codes_follow_the_table(backend):
    terminal = backend.terminal()
    reply = terminal.call("query", out_trade_no=unique())
    assert reply.code == ErrorCode.TRADE_NOT_FOUND
    assert reply.status == ERRORS[ErrorCode.TRADE_NOT_FOUND].http_status == 404


def test_messages_follow_the_callers_language(backend):
    terminal = backend.terminal()
    body = terminal.signed_body({"out_trade_no": unique()})
    response = terminal.http.post("/v1/query", json=body, headers={"accept-language": "zh-CN"})
    reply = terminal.check(response, body["nonce"])
    assert reply.body.message == "未找到该订单号的交易。"


def test_openapi_names_every_terminal_request(backend):
    schema = httpx.get(backend.url + "/openapi.json", timeout=10).json()
    for name in (
        "pay",
        "confirm",
        "query",
        "cancel",
        "refund",
        "trades",
        "earn",
        "topup",
        "pin-key",
        "echo",
        "enrol",
    ):
        assert f"/v1/{name}" in schema["paths"], name
    assert "PayRequest" in schema["components"]["schemas"]
    pay_body = schema["paths"]["/v1/pay"]["post"]["requestBody"]["content"]["application/json"]
    assert pay_body["schema"]["$ref"].endswith("/PayRequest")
    assert "/member/v1/code" in schema["paths"] and "/admin/v1/sms-outbox" in schema["paths"]
