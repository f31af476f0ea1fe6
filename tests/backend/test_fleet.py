"""The fleet (issue 21): heartbeats, the operator's list, disabling, and rotating a secret."""

from __future__ import annotations

import json

import httpx
import pytest

from protocol.errors import ErrorCode
from tests.harness import SignedClient, unique

OPERATOR = {"operator": "Wang (store IT)", "reason": "lost on route 7"}


def fleet(backend) -> httpx.Client:
    client: httpx.Client = backend.operator.http  # base URL /admin/v1, with the token
    return client


def terminals(backend, **params) -> list[dict]:
    body = fleet(backend).get("/terminals", params=params).json()
    assert body["code"] == "OK", body
    return list(body["data"]["terminals"])


def one(backend, terminal_id: str) -> dict:
    body = fleet(backend).get(f"/terminals/{terminal_id}").json()
    assert body["code"] == "OK", body
    return dict(body["data"])


def act(backend, terminal_id: str, action: str, **fields) -> dict:
    body = fleet(backend).post(f"/terminals/{terminal_id}/{action}", json=fields).json()
    assert body["code"] == "OK", body
    return dict(body["data"])


def beat(terminal: SignedClient, **fields) -> dict:
    report = {
        "app": "scanpay-pos",
        "version": "0.1.0",
        "devices": [
            {"kind": "scanner", "url": "serial:///dev/ttyACM0", "state": "OK", "last_scan_at": 1},
            {
                "kind": "printer",
                "url": "tcp://10.0.0.9:9100",
                "state": "ERROR",
                "error": "Paper out: load a new roll.",
            },
        ],
        "in_doubt": 1,
        "clock_offset_s": 2,
    }
    return terminal.ok("heartbeat", **{**report, **fields})


def test_a_heartbeat_shows_the_terminal_online_with_its_devices_and_problems(backend):
    terminal = backend.terminal()
    answer = beat(terminal)
    assert answer == {"interval_s": 30, "rotate_secret": False}
    [listed] = [t for t in terminals(backend) if t["terminal_id"] == terminal.terminal_id]
    assert listed["online"] and not listed["disabled"] and listed["kind"] == "pos"
    assert listed["app"] == "scanpay-pos" and listed["version"] == "0.1.0"
    assert [d["state"] for d in listed["devices"]] == ["OK", "ERROR"]
    assert listed["devices"][1]["error"] == "Paper out: load a new roll."
    assert [p["text"] for p in listed["problems"]] == [
        "1 device(s) not working",
        "1 payment(s) in doubt",
    ]
    with_problems = {t["terminal_id"] for t in terminals(backend, problems="true")}
    assert terminal.terminal_id in with_problems
    assert terminal.terminal_id not in {t["terminal_id"] for t in terminals(backend, kind="pda")}

    beat(terminal, devices=[], in_doubt=0)  # all well again: the latest heartbeat counts
    assert one(backend, terminal.terminal_id)["problems"] == []
    assert len(one(backend, terminal.terminal_id)["heartbeats"]) == 2


def test_three_missed_intervals_make_a_terminal_offline(backend):
    terminal = backend.terminal("pda")
    beat(terminal, devices=[], in_doubt=0)
    backend.sql(
        "UPDATE terminal_heartbeats SET received_at_ms = received_at_ms - 91000 "
        f"WHERE terminal_id = '{terminal.terminal_id}'"
    )
    seen = one(backend, terminal.terminal_id)
    assert not seen["online"] and [p["code"] for p in seen["problems"]] == ["OFFLINE"]
    offline = {t["terminal_id"] for t in terminals(backend, online="false", kind="pda")}
    assert terminal.terminal_id in offline


def test_a_disabled_terminal_is_refused_at_its_next_request_but_can_settle_what_it_started(
    backend,
):
    terminal = backend.terminal()
    member = backend.member(points=100_000)
    waiting = terminal.pay(member.code(), 30_000)  # above the no-PIN limit: waits for the PIN
    assert waiting["state"] == "PIN_REQUIRED"

    act(backend, terminal.terminal_id, "disable", **OPERATOR)
    refused = terminal.call(
        "pay", out_trade_no=unique(), payment_code=member.code(), amount_fen=100
    )
    assert refused.code == ErrorCode.TERMINAL_DISABLED and refused.status == 403
    assert "switched off by store IT" in refused.body.message
    assert terminal.call("echo").code == ErrorCode.TERMINAL_DISABLED
    assert terminal.call("heartbeat", app="scanpay-pos").code == ErrorCode.TERMINAL_DISABLED
    confirm = terminal.call(
        "confirm",
        out_trade_no=waiting["out_trade_no"],
        pin_envelope=terminal.pin_envelope(waiting["out_trade_no"], "123456"),
    )
    assert confirm.code == ErrorCode.TERMINAL_DISABLED

    # what it started still ends definitely: query and cancel work
    assert terminal.ok("query", out_trade_no=waiting["out_trade_no"])["state"] == "PIN_REQUIRED"
    assert terminal.ok("cancel", out_trade_no=waiting["out_trade_no"])["state"] == "CLOSED"

    seen = one(backend, terminal.terminal_id)
    assert seen["disabled"] and seen["disabled_reason"] == "lost on route 7"
    act(backend, terminal.terminal_id, "enable", operator="Wang (store IT)", reason="found")
    terminal.ok("echo")
    actions = one(backend, terminal.terminal_id)["actions"]
    assert [(a["action"], a["operator"], a["reason"]) for a in actions] == [
        ("enable", "Wang (store IT)", "found"),
        ("disable", "Wang (store IT)", "lost on route 7"),
    ]


def test_rotation_keeps_the_old_secret_until_the_new_one_confirms(backend):
    terminal = backend.terminal()
    act(backend, terminal.terminal_id, "rotate-secret", **OPERATOR)
    assert beat(terminal)["rotate_secret"] is True

    old = terminal.secret
    new = terminal.ok("rotate-secret")["secret"]
    assert new != old
    terminal.ok("echo")  # still the old one until confirmed
    terminal.secret = new
    pending_elsewhere = terminal.post_raw("echo", terminal.signed_body({})).json()
    assert pending_elsewhere["code"] == ErrorCode.BAD_SIGNATURE  # pending: only for confirm
    assert terminal.ok("rotate-secret/confirm") == {"rotated": True}
    assert terminal.ok("rotate-secret/confirm") == {"rotated": True}  # again: same answer
    terminal.ok("echo")
    assert beat(terminal)["rotate_secret"] is False

    terminal.secret = old
    dead = terminal.post_raw("echo", terminal.signed_body({}))
    assert dead.json()["code"] == ErrorCode.BAD_SIGNATURE
    assert [a["action"] for a in one(backend, terminal.terminal_id)["actions"]] == [
        "rotated",
        "rotate",
    ]


def test_a_second_rotation_request_replaces_the_pending_secret(backend):
    terminal = backend.terminal()
    first = terminal.ok("rotate-secret")["secret"]
    second = terminal.ok("rotate-secret")["secret"]
    terminal.secret = first
    assert terminal.post_raw("rotate-secret/confirm", terminal.signed_body({})).json()["code"] == (
        ErrorCode.BAD_SIGNATURE
    )
    terminal.secret = second
    terminal.ok("rotate-secret/confirm")
    terminal.ok("echo")


def test_the_operator_must_say_who_and_why(backend):
    terminal = backend.terminal()
    for body in ({}, {"operator": "Wang"}, {"operator": "", "reason": "x"}, {"reason": "x"}):
        answer = fleet(backend).post(f"/terminals/{terminal.terminal_id}/disable", json=body)
        assert answer.json()["code"] == ErrorCode.BAD_REQUEST, body
    answer = fleet(backend).post("/terminals/TNOSUCH/disable", json=OPERATOR).json()
    assert answer["code"] == ErrorCode.BAD_REQUEST and "no terminal" in answer["message"]
    anonymous = httpx.get(backend.url + "/admin/v1/terminals", timeout=10).json()
    assert anonymous["code"] == ErrorCode.NOT_AUTHORISED
    terminal.ok("echo")  # none of that touched it


def test_rename_and_move(backend):
    terminal = backend.terminal()
    renamed = act(backend, terminal.terminal_id, "rename", operator="Wang", name="Till 3")
    assert renamed["name"] == "Till 3"
    store = renamed["store_id"]
    moved = act(backend, terminal.terminal_id, "move", operator="Wang", store_id=store)
    assert moved["store_id"] == store
    refused = fleet(backend).post(
        f"/terminals/{terminal.terminal_id}/move", json={"operator": "W", "store_id": "NOPE"}
    )
    assert refused.json()["code"] == ErrorCode.BAD_REQUEST
    assert [a["action"] for a in one(backend, terminal.terminal_id)["actions"]] == [
        "move",
        "rename",
    ]


@pytest.fixture
def two_instances(backend_postgresql, tmp_path):
    other = backend_postgresql.sibling(tmp_path / "other")
    yield backend_postgresql, other
    other.close()


def test_disabling_and_rotating_reach_the_other_instance_at_once(two_instances):
    first, second = two_instances
    terminal = first.terminal()
    there = SignedClient(second.url, terminal.terminal_id, terminal.secret)
    try:
        there.ok("echo")  # the other instance now has this terminal in its cache
        act(first, terminal.terminal_id, "disable", **OPERATOR)
        assert there.call("echo").code == ErrorCode.TERMINAL_DISABLED
        act(first, terminal.terminal_id, "enable", operator="Wang", reason="found")
        there.ok("echo")

        old = terminal.secret
        terminal.secret = terminal.ok("rotate-secret")["secret"]
        terminal.ok("rotate-secret/confirm")  # at the first instance
        there.secret = old  # the other instance cached the old secret: it must not work
        assert there.post_raw("echo", there.signed_body({})).json()["code"] == (
            ErrorCode.BAD_SIGNATURE
        )
        there.secret = terminal.secret
        there.ok("echo")  # and the new one works there at once
    finally:
        there.close()


def test_the_command_line_lists_and_switches_terminals(backend_sqlite):
    server = backend_sqlite.server
    terminal = backend_sqlite.terminal()
    beat(terminal)
    listed = json.loads(server.run_cli("terminals", "--json", "--problems").stdout)
    mine = next(t for t in listed if t["terminal_id"] == terminal.terminal_id)
    assert [p["code"] for p in mine["problems"]] == ["DEVICES", "IN_DOUBT"]
    text = server.run_cli("terminals").stdout
    assert terminal.terminal_id in text and "1 device(s) not working" in text

    no_reason = server.run_cli("terminal", "disable", terminal.terminal_id, check=False)
    assert no_reason.returncode == 2 and "--reason" in no_reason.stderr
    terminal.ok("echo")
    server.run_cli("terminal", "disable", terminal.terminal_id, "--reason", "stolen")
    assert terminal.call("echo").code == ErrorCode.TERMINAL_DISABLED
    server.run_cli("terminal", "enable", terminal.terminal_id, "--reason", "found")
    terminal.ok("echo")
    rotate = server.run_cli("terminal", "rotate", terminal.terminal_id)
    assert "rotates its secret at its next heartbeat" in rotate.stdout
    assert beat(terminal)["rotate_secret"] is True
    unknown = server.run_cli("terminal", "disable", "TNOSUCH", "--reason", "x", check=False)
    assert unknown.returncode == 2 and "no terminal" in unknown.stderr


def test_metrics_count_terminals_by_status_and_devices_in_error(backend):
    terminal = backend.terminal()
    beat(terminal)
    text = httpx.get(backend.url + "/metrics", timeout=10).text
    assert 'scanpay_heartbeats_total{kind="pos"}' in text
    online = [
        line for line in text.splitlines() if line.startswith('scanpay_terminals{kind="pos",')
    ]
    assert any('status="online"' in line and not line.endswith(" 0.0") for line in online)
    errors = next(
        line
        for line in text.splitlines()
        if line.startswith('scanpay_devices_in_error{kind="pos"}')
    )
    assert float(errors.split()[-1]) >= 1
