"""Routing configuration versions: draft -> snapshot -> publish -> rollback, by API and CLI."""

from __future__ import annotations

import getpass
import json

from backend_stub.cli.main import main
from tests.backend.routing.conftest import channel, fresh, rule, wechat_code


def test_publish_and_roll_back_change_routing_at_once_and_trades_record_the_version(
    routing_both,
):
    routing = routing_both
    old, new = fresh("old"), fresh("new")
    first = routing.publish(
        {"channels": [channel(old)], "rules": [rule("R", old)]}, note="the old channel"
    )
    second = routing.publish(
        {"channels": [channel(old), channel(new)], "rules": [rule("R", new)]},
        note="moved to the new one",
    )
    assert second == first + 1
    terminal = routing.live.terminal()
    on_new = terminal.pay(wechat_code(), 800)
    assert (on_new["channel"], on_new["routing_version"]) == (new, second)
    back = {"version": first, "operator": "alice", "reason": "the new channel declines"}
    answer = routing.http.post("/routing/rollback", json=back).json()
    assert answer["code"] == "OK"
    on_old = terminal.pay(wechat_code(), 800)
    assert (on_old["channel"], on_old["routing_version"]) == (old, first)
    overview = routing.http.get("/routing").json()["data"]
    assert overview["active_version"] == first
    notes = {v["version"]: (v["note"], v["active"]) for v in overview["versions"]}
    assert notes[first] == ("the old channel", True) and notes[second][1] is False
    events = routing.http.get("/routing/events").json()["data"]
    kinds = [(e["kind"], e["version"]) for e in events]
    assert kinds[:3] == [("rollback", first), ("publish", second), ("snapshot", second)]
    # who and why stay with the event; a caller that names nobody is kept as nobody
    assert (events[0]["operator"], events[0]["reason"]) == ("alice", "the new channel declines")
    assert (events[1]["operator"], events[1]["reason"]) == ("", "")
    too_long = routing.http.post("/routing/publish", json={**back, "reason": "x" * 257}).json()
    assert too_long["code"] == "BAD_REQUEST" and "reason" in too_long["message"]
    # a rollback goes back, never forward; versions never change
    forward = routing.http.post("/routing/rollback", json={"version": second}).json()
    assert forward["code"] == "BAD_REQUEST" and "earlier version" in forward["message"]
    stored = routing.http.get(f"/routing/versions/{second}").json()["data"]
    assert stored["rules"][0]["channel"] == new
    # the trade routed by the newer version keeps it
    again = terminal.ok("query", out_trade_no=on_new["out_trade_no"])
    assert again["routing_version"] == second


def test_the_command_line_drafts_snapshots_publishes_and_rolls_back(routing, tmp_path, capsys):
    server = routing.live.server

    def run(*args: str, code: int = 0) -> tuple[str, str]:
        """``scanpay-backend`` in this process (a subprocess costs two seconds a call)."""
        assert main([*args, *server.db_args]) == code
        got = capsys.readouterr()
        return got.out, got.err

    before = routing.publish({"channels": [], "rules": []}, note="before the CLI")
    cid = fresh("cli")
    config = tmp_path / "routing.json"
    config.write_text(json.dumps({"channels": [channel(cid)], "rules": [rule("CLI", cid)]}))
    assert "Draft set: 1 channels, 1 rules" in run("routing", "draft", str(config))[0]
    made, _ = run("routing", "snapshot", "--note", "from the CLI")
    version = int(made.split()[1])
    assert f"Published version {version}" in run("routing", "publish", str(version))[0]
    listed, _ = run("routing", "versions")
    assert f"*{version:5}" in listed and "from the CLI" in listed
    shown = json.loads(run("routing", "show")[0])
    assert shown["channels"][0]["id"] == cid
    assert routing.live.terminal().pay(wechat_code(), 300)["routing_version"] == version
    rolled = run("routing", "rollback", str(before), "--operator", "bob", "--reason", "drill")
    assert f"Rolled back to version {before}" in rolled[0]
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"rules": [rule("X", "missing")]}))
    assert "no channel 'missing'" in run("routing", "draft", str(bad), code=2)[1]
    assert "there is no version 9999" in run("routing", "publish", "9999", code=2)[1]
    history = run("routing", "events")[0]
    assert "routing publish" in history and f"routing rollback version {before}" in history
    assert "by bob: drill" in history  # who and why, as the CLI was told
    assert f"by {getpass.getuser()}" in history  # the publish: the login name by default
    # the flags may also come after the action, as every other command takes them
    late = server.run_cli("routing", "versions", "--data", str(server.data_dir))
    assert "from the CLI" in late.stdout


def test_a_second_instance_routes_by_the_version_published_through_the_first(
    routing, tmp_path_factory
):
    live = routing.live
    cid = fresh("shared")
    version = routing.publish({"channels": [channel(cid)], "rules": [rule("SH", cid)]})
    twin = live.sibling(live.server.data_dir)
    try:
        terminal = twin.terminal()
        trade = terminal.pay(wechat_code(), 400)
        assert (trade["channel"], trade["routing_version"]) == (cid, version)
    finally:
        twin.close()
