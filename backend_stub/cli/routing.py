"""``scanpay-backend routing|sim|reconcile``: the operator's routing, simulator and reconciliation.

Registered by :mod:`backend_stub.cli.main`; each works on the same database as
``serve`` (``--data`` / ``--database-url``) and changes every instance at once.
"""

from __future__ import annotations

import argparse
import functools
import getpass
import json
import sys
from collections.abc import Callable
from dataclasses import asdict
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from backend_stub.context import Backend
from backend_stub.errors import ApiError
from backend_stub.ledger import reconcile
from backend_stub.routing import health as channel_state
from backend_stub.routing import versions as routing_versions
from backend_stub.routing.channels import sim_scripts

from .routing_demo import DEMO_ROUTING

__all__ = ["add_commands"]

Command = Callable[[Backend, argparse.Namespace], int]
Register = Callable[[str, Command, str], argparse.ArgumentParser]


def _plain_errors(func: Command) -> Command:
    """A refusal (bad configuration, unknown version...) is one plain line and exit code 2."""

    @functools.wraps(func)
    def run(backend: Backend, args: argparse.Namespace) -> int:
        try:
            return func(backend, args)
        except ApiError as exc:
            print(f"scanpay-backend: {exc.message()}", file=sys.stderr)
            return 2

    return run


def _when(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _offset(backend: Backend) -> int:
    return backend.settings.utc_offset_min


# -- routing --------------------------------------------------------------------------------


@_plain_errors
def _show(backend: Backend, args: argparse.Namespace) -> int:
    with backend.db.read() as conn:
        if args.draft:
            config = routing_versions.draft(conn)
            if config is None:
                print("There is no draft yet.", file=sys.stderr)
                return 1
        elif args.version is not None:
            config = routing_versions.version_config(conn, args.version)
        else:
            config = routing_versions.active(conn, _offset(backend)).config
    print(json.dumps(config.model_dump(mode="json"), indent=2, ensure_ascii=False))
    return 0


@_plain_errors
def _versions(backend: Backend, args: argparse.Namespace) -> int:
    with backend.db.read() as conn:
        found = routing_versions.list_versions(conn)
        current = routing_versions.active(conn, _offset(backend)).version
    if not found:
        print("No versions yet: the built-in configuration (version 0) is in force.")
    for v in found:
        mark = "*" if v.active else " "
        print(f"{mark} {v.version:4}  {_when(v.created_at_ms)}  {v.digest[:12]}  {v.note}")
    if found and current == 0:
        print("Nothing published yet: the built-in configuration (version 0) is in force.")
    return 0


@_plain_errors
def _draft(backend: Backend, args: argparse.Namespace) -> int:
    text = sys.stdin.read() if args.file == "-" else Path(args.file).read_text(encoding="utf-8")
    try:
        document = json.loads(text)
    except ValueError as exc:
        print(f"scanpay-backend: {args.file} is not JSON: {exc}", file=sys.stderr)
        return 2
    with backend.db.write() as conn:
        now = backend.now_ms()
        config = routing_versions.set_draft(conn, document, now, operator=_operator(args))
    print(
        f"Draft set: {len(config.channels)} channels, {len(config.rules)} rules, "
        f"{len(config.groups)} groups. `routing snapshot` freezes it as a version."
    )
    return 0


@_plain_errors
def _snapshot(backend: Backend, args: argparse.Namespace) -> int:
    with backend.db.write() as conn:
        version = routing_versions.snapshot(
            conn, args.note, backend.now_ms(), operator=_operator(args)
        )
    print(f"Version {version} made from the draft. `routing publish {version}` puts it in force.")
    return 0


@_plain_errors
def _publish(backend: Backend, args: argparse.Namespace) -> int:
    rollback = args.action == "rollback"
    with backend.db.write() as conn:
        routing_versions.publish(
            conn,
            args.version,
            backend.now_ms(),
            rollback=rollback,
            operator=_operator(args),
            reason=args.reason,
        )
    word = "Rolled back to" if rollback else "Published"
    print(f"{word} version {args.version}: every instance routes by it from now on.")
    return 0


def _operator(args: argparse.Namespace) -> str:
    return str(args.operator or getpass.getuser())


def _who_why(event: dict[str, Any]) -> str:
    by = f" by {event['operator']}" if event["operator"] else ""
    why = f": {event['reason']}" if event["reason"] else ""
    return f"{event['note']}{by}{why}"


@_plain_errors
def _events(backend: Backend, args: argparse.Namespace) -> int:
    with backend.db.read() as conn:
        rows = [
            (e["at_ms"], f"routing {e['kind']} version {e['version'] or '-'} {_who_why(e)}")
            for e in routing_versions.events(conn, args.limit)
        ] + [
            (e["at_ms"], f"channel {e['channel']} {e['kind']}: {e['detail']}")
            for e in channel_state.list_events(conn, args.limit)
        ]
    for at_ms, text in sorted(rows, reverse=True)[: args.limit]:
        print(f"{_when(at_ms)}  {text}")
    if not rows:
        print("No events yet.")
    return 0


@_plain_errors
def _channels(backend: Backend, args: argparse.Namespace) -> int:
    with backend.db.read() as conn:
        config = routing_versions.active(conn, _offset(backend)).config
        found = channel_state.report(
            conn, [c.id for c in config.channels], backend.now_ms(), backend.settings
        )
    if args.json:
        print(json.dumps([asdict(h) for h in found], indent=2))
        return 0
    if not found:
        print("No channels in the routing configuration in force.")
    for h in found:
        rate = f"{h.success_pct}% of {h.samples}" if h.success_pct is not None else "no calls"
        print(f"{h.channel:16} {h.health:4} breaker {h.breaker:9} {rate}")
    return 0


@_plain_errors
def _demo(backend: Backend, args: argparse.Namespace) -> int:
    with backend.db.write() as conn:
        now = backend.now_ms()
        routing_versions.set_draft(conn, DEMO_ROUTING, now)
        version = routing_versions.snapshot(conn, "demo: simulated channels", now)
        routing_versions.publish(conn, version, now)
    print(
        f"Version {version} published: simulated WeChat Pay, Alipay and UnionPay channels "
        "(see `scanpay-backend routing show`)."
    )
    return 0


# -- the simulator --------------------------------------------------------------------------


def _amount_range(text: str) -> tuple[int, int]:
    low, sep, high = text.partition("-")
    try:
        return int(low), int(high if sep else low)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: write MIN-MAX in fen, e.g. 100-199") from None


@_plain_errors
def _script(backend: Backend, args: argparse.Namespace) -> int:
    low, high = args.amount_range if args.amount_range else (args.amount, args.amount)
    with backend.db.write() as conn:
        script_id = sim_scripts.add_script(
            conn,
            args.behaviour,
            backend.now_ms(),
            channel=args.channel,
            code=args.code,
            amount_min=low,
            amount_max=high,
            times=args.times,
        )
    print(f"Script {script_id}: {args.behaviour}")
    return 0


@_plain_errors
def _scripts(backend: Backend, args: argparse.Namespace) -> int:
    with backend.db.read() as conn:
        found = sim_scripts.list_scripts(conn)
    if not found:
        print("No scripts: amounts follow the default (see the README).")
    for s in found:
        what = s["code"] or f"{s['amount_min']}-{s['amount_max']} fen"
        uses = "" if s["uses_left"] is None else f" ({s['uses_left']} uses left)"
        print(f"{s['id']:4}  {s['channel'] or 'any channel':16} {what:24} {s['behaviour']}{uses}")
    return 0


@_plain_errors
def _clear(backend: Backend, args: argparse.Namespace) -> int:
    with backend.db.write() as conn:
        removed = sim_scripts.clear_scripts(conn, args.channel)
    print(f"{removed} script(s) removed.")
    return 0


@_plain_errors
def _outage(backend: Backend, args: argparse.Namespace) -> int:
    with backend.db.write() as conn:
        sim_scripts.set_outage(conn, args.channel, args.state == "on", backend.now_ms())
    print(f"Channel {args.channel}: outage {args.state}.")
    return 0


@_plain_errors
def _orders(backend: Backend, args: argparse.Namespace) -> int:
    with backend.db.read() as conn:
        found = sim_scripts.list_orders(conn, args.channel, args.limit)
    for o in found:
        print(
            f"{o['channel']:12} {o['channel_trade_no']:22} {o['state']:9} {o['amount_fen']:>10} "
            f"refunded {o['refunded_fen']:>8}  {o['behaviour']}"
        )
    return 0


# -- reconciliation -------------------------------------------------------------------------


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: write the date as YYYY-MM-DD") from None


@_plain_errors
def _reconcile(backend: Backend, args: argparse.Namespace) -> int:
    offset = _offset(backend)
    with backend.db.read() as conn:
        merchant = args.merchant or reconcile.first_merchant(conn)
        text = reconcile.daily_file(conn, merchant, args.date, offset)
        config = routing_versions.active(conn, offset).config
        compared: list[tuple[str, int, list[Any]]] = []
        for channel_id in args.channel or []:
            spec = config.channel(channel_id)
            if spec is None:
                print(f"scanpay-backend: no channel {channel_id!r} in force", file=sys.stderr)
                return 2
            lines, found = reconcile.compare_statement(
                conn, backend.channels.adapter(spec), args.date, offset
            )
            compared.append((channel_id, len(lines), found))
    report = sys.stdout  # the CSV goes to stdout unless --out: then the comparison to stderr
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
        print(f"Wrote {args.out} ({text.count(chr(10)) - 1} rows) for {merchant}, {args.date}.")
    else:
        sys.stdout.write(text)
        report = sys.stderr
    differences = 0
    for channel_id, count, found in compared:
        print(
            f"Channel {channel_id}: {count} statement lines, {len(found)} difference(s).",
            file=report,
        )
        for d in found:
            print(
                f"  {d.kind:16} {d.line:6} {d.number:24} ours {d.ours_fen} theirs {d.theirs_fen}",
                file=report,
            )
        differences += len(found)
    return 1 if differences else 0


# -- registration ---------------------------------------------------------------------------


def _db_flags(parser: argparse.ArgumentParser) -> None:
    """``--data``/``--database-url`` also after the action (``routing publish 3 --data d``)."""
    parser.add_argument("--data", type=Path, default=argparse.SUPPRESS, metavar="DIR")
    parser.add_argument("--database-url", default=argparse.SUPPRESS, metavar="URL")


def _group(
    register: Register, name: str, help_text: str
) -> Callable[[str, Command, str], argparse.ArgumentParser]:
    parent = register(name, _plain_errors(lambda b, a: 2), help_text)
    actions = parent.add_subparsers(dest="action", required=True, metavar="ACTION")

    def action(action_name: str, func: Command, action_help: str) -> argparse.ArgumentParser:
        p = actions.add_parser(action_name, help=action_help, description=action_help)
        _db_flags(p)
        p.set_defaults(func=func)
        return p

    return action


def add_commands(register: Register) -> None:
    routing = _group(register, "routing", "routing configuration versions and channel health")
    show = routing("show", _show, "print a routing configuration as JSON (the one in force)")
    show.add_argument("--version", type=int, default=None, help="this version instead")
    show.add_argument("--draft", action="store_true", help="the draft instead")
    routing("versions", _versions, "list the versions; * marks the one in force")
    draft = routing("draft", _draft, "set the draft from a JSON file (validated)")
    draft.add_argument("file", metavar="FILE", help="the configuration as JSON; - for stdin")
    snap = routing("snapshot", _snapshot, "freeze the draft as the next version")
    snap.add_argument("--note", default="", help="what changed, for the history")
    changers = [draft, snap]
    for name, what in (
        ("publish", "put a version in force on every instance"),
        ("rollback", "put an earlier version back in force"),
    ):
        step = routing(name, _publish, what)
        step.add_argument("version", type=int, metavar="VERSION")
        step.add_argument("--reason", default="", help="why, for the history")
        changers.append(step)
    for changer in changers:
        changer.add_argument("--operator", default="", help="who (default: the login name)")
    events = routing("events", _events, "publishes, rollbacks and channel switches, newest first")
    events.add_argument("--limit", type=int, default=30, help="how many (default 30)")
    chans = routing("channels", _channels, "each channel's health, success rate and breaker")
    chans.add_argument("--json", action="store_true", help="print as JSON")
    routing("demo", _demo, "publish a demo configuration over simulated channels")

    sim = _group(register, "sim", "script the simulated external channels")
    script = sim("script", _script, "make a simulated channel behave so for a code or amounts")
    script.add_argument(
        "behaviour",
        metavar="BEHAVIOUR",
        help="success | paying:N[:fail] | error[:success] | timeout[:fail] | decline:CODE | late:N",
    )
    which = script.add_mutually_exclusive_group(required=True)
    which.add_argument("--code", default=None, help="this payment code")
    which.add_argument("--amount", type=int, default=None, help="this amount in fen")
    which.add_argument(
        "--amount-range", type=_amount_range, default=None, metavar="MIN-MAX", help="in fen"
    )
    script.add_argument("--channel", default=None, help="only this channel (default: all)")
    script.add_argument("--times", type=int, default=None, help="only this many pays")
    sim("scripts", _scripts, "list the scripts, newest first")
    clear = sim("clear", _clear, "remove the scripts")
    clear.add_argument("--channel", default=None, help="only this channel's")
    outage = sim("outage", _outage, "every call to a channel fails (on) or not (off)")
    outage.add_argument("channel", metavar="CHANNEL")
    outage.add_argument("state", choices=["on", "off"])
    orders = sim("orders", _orders, "the simulated channels' own orders, newest first")
    orders.add_argument("--channel", default=None)
    orders.add_argument("--limit", type=int, default=30)

    rec = register(
        "reconcile",
        _reconcile,
        "a merchant's daily reconciliation file (CSV); with --channel, compare its statement",
    )
    rec.add_argument("--date", type=_day, required=True, metavar="YYYY-MM-DD")
    rec.add_argument("--merchant", default=None, help="merchant id (default: the first)")
    rec.add_argument("--out", default=None, metavar="FILE", help="write the CSV here")
    rec.add_argument(
        "--channel",
        action="append",
        default=None,
        metavar="ID",
        help="also compare this channel's statement (repeatable); exit 1 on differences",
    )
