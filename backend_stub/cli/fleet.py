"""``scanpay-backend terminals`` and ``terminal disable|enable|rotate ID``: the fleet in a shell."""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from backend_stub.context import Backend
from backend_stub.errors import ApiError
from backend_stub.payments import fleet

__all__ = ["add_fleet_commands"]

Command = Callable[[Backend, argparse.Namespace], int]
AddCommand = Callable[[str, Command, str], argparse.ArgumentParser]


def _when(seconds: int | None) -> str:
    if seconds is None:
        return "never"
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _line(view: dict[str, Any]) -> str:
    state = "DISABLED" if view["disabled"] else "online" if view["online"] else "OFFLINE"
    name = view["name"] or "-"
    problems = "; ".join(p["text"] for p in view["problems"]) or "no problems"
    return (
        f"{view['terminal_id']:<16} {view['kind']:<4} {state:<8} {view['store_id']:<10} "
        f"{name[:20]:<20} last seen {_when(view['last_heartbeat_at'])}  {problems}"
    )


def _terminals(backend: Backend, args: argparse.Namespace) -> int:
    filters = fleet.Filters(
        store_id=args.store,
        kind=args.kind,
        online=False if args.offline else None,
        problems=True if args.problems else None,
    )
    with backend.db.read() as conn:
        found = fleet.list_terminals(conn, backend.now_ms(), backend.settings, filters)
    if args.json:
        print(json.dumps(found, ensure_ascii=False, indent=2))
    elif not found:
        print("No terminals match.")
    else:
        for view in found:
            print(_line(view))
    return 0


def _terminal(backend: Backend, args: argparse.Namespace) -> int:
    operator = args.operator or getpass.getuser()
    reason = args.reason
    if args.action in ("disable", "enable") and not reason:
        print(
            f"scanpay-backend: say why with --reason to {args.action} a terminal", file=sys.stderr
        )
        return 2
    now = backend.now_ms()
    try:
        with backend.db.write() as conn:
            if args.action == "rotate":
                fleet.ask_rotation(conn, args.terminal_id, operator, reason or "rotate", now)
            else:
                disabled = args.action == "disable"
                fleet.set_disabled(conn, args.terminal_id, disabled, operator, reason, now)
            view = fleet.terminal_detail(conn, args.terminal_id, now, backend.settings)
    except ApiError as exc:
        print(f"scanpay-backend: {exc.message()}", file=sys.stderr)
        return 2
    print(_line(view))
    if args.action == "rotate":
        print("The terminal rotates its secret at its next heartbeat.")
    return 0


def add_fleet_commands(command: AddCommand) -> None:
    listing = command("terminals", _terminals, "list terminals: state, devices, problems")
    listing.add_argument("--store", default=None, help="only this store")
    listing.add_argument("--kind", default=None, choices=["pos", "pda"], help="only this kind")
    listing.add_argument("--offline", action="store_true", help="only terminals offline")
    listing.add_argument("--problems", action="store_true", help="only terminals with problems")
    listing.add_argument("--json", action="store_true", help="print as JSON")

    one = command(
        "terminal", _terminal, "switch a terminal off or on, or ask it to rotate its secret"
    )
    one.add_argument("action", choices=["disable", "enable", "rotate"])
    one.add_argument("terminal_id", metavar="ID")
    one.add_argument("--reason", default="", help="why (kept in the terminal's record)")
    one.add_argument("--operator", default="", help="who (default: the login name)")
