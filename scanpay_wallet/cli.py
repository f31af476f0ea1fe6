"""``scanpay-wallet``: the customer's phone in a terminal, for scripts and demos.

Signs a member in (SMS code from the operator outbox, given, or typed),
prints the member's current payment code as digits and a terminal QR,
writes it as a PNG, refreshes it, keeps it fresh with ``--watch`` (and
prints each payment's result as it happens), and shows the balance.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from typing import Any

from protocol.demo import terminal_qr
from protocol.money import format_fen, format_points
from protocol.paycode import mask

from .client import DEFAULT_BACKEND, IssuedCode, MemberApi, WalletError
from .phone import DEMO_MEMBER, WalletPhone, default_state_dir
from .picture import write_png

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="scanpay-wallet",
        description="A customer's wallet in the terminal: sign in, show the current payment "
        "code (digits, QR, PNG), refresh it, watch it, show the balance. Talks HTTP only.",
        epilog="The session and the code on screen are kept per backend and member in "
        "--state-dir, so every run (and current_code() in Python) is the same phone.",
    )
    env = os.environ.get
    parser.add_argument(
        "--backend",
        default=env("SCANPAY_BACKEND_URL", DEFAULT_BACKEND),
        help="backend URL (default: $SCANPAY_BACKEND_URL or %(default)s)",
    )
    parser.add_argument(
        "--member", default=DEMO_MEMBER, help="member number (default: the demo's %(default)s)"
    )
    parser.add_argument(
        "--wallet",
        choices=["points", "card"],
        default="points",
        help="which wallet's code: points or the stored-value card (default: %(default)s)",
    )
    sign_in = parser.add_argument_group("signing in (when no session is saved)")
    sign_in.add_argument(
        "--admin-token",
        default=env("SCANPAY_ADMIN_TOKEN"),
        help="operator token: read the SMS code from the outbox (default: $SCANPAY_ADMIN_TOKEN; "
        "the bundled backend prints it with `scanpay-backend admin-token`)",
    )
    sign_in.add_argument("--sms-code", help="the sign-in SMS code (send one with --send-sms)")
    sign_in.add_argument(
        "--send-sms", action="store_true", help="only send a sign-in SMS code, then exit"
    )
    sign_in.add_argument("--sign-out", action="store_true", help="end the saved session, exit")
    what = parser.add_argument_group("what to show")
    what.add_argument("--refresh", action="store_true", help="a new code now (the old one dies)")
    what.add_argument(
        "--watch",
        action="store_true",
        help="keep the code fresh (refreshed before it expires or once used) and print each "
        "payment's result; Ctrl-C stops",
    )
    what.add_argument(
        "--for", dest="for_s", type=float, metavar="SECONDS", help="stop --watch after SECONDS"
    )
    what.add_argument("--png", metavar="FILE", help="also write the code (Code128 + QR) as PNG")
    what.add_argument("--no-qr", action="store_true", help="digits only, no terminal QR")
    what.add_argument("--balance", action="store_true", help="only the balance, no code")
    what.add_argument("--json", action="store_true", help="one JSON object, for scripts")
    what.add_argument(
        "--min-left",
        type=float,
        default=10.0,
        metavar="SECONDS",
        help="reuse the code on screen only if it lives this much longer (default: %(default)s)",
    )
    parser.add_argument(
        "--state-dir",
        default=None,
        help=f"where the session is kept (default: $SCANPAY_WALLET_STATE or {default_state_dir()})",
    )
    parser.add_argument(
        "--lang",
        choices=["en", "zh"],
        default="zh" if env("LANG", "").lower().startswith("zh") else "en",
        help="language of the backend's messages (default: from $LANG)",
    )
    return parser


def _ask_code(member_no: str) -> str:
    print(
        f"A sign-in code was sent by SMS to member {member_no}'s phone "
        f"(bundled backend: `scanpay-backend sms-outbox --member {member_no}`).",
        file=sys.stderr,
    )
    return input("SMS code: ")


def _spaced(code: str) -> str:
    return " ".join(code[i : i + 4] for i in range(0, len(code), 4))


def _balance_line(account: dict[str, Any]) -> str:
    points = format_points(account["balance_points"])
    worth = format_fen(account["points_worth_fen"])
    return f"Balance: {points} ({worth}) · card {format_fen(account['balance_card_fen'])}"


def _show_code(issued: IssuedCode, args: argparse.Namespace) -> None:
    if not args.no_qr:
        sys.stdout.write(terminal_qr(issued.code))
    left = max(0, int(issued.expires_at - time.time()))
    print(f"Member {args.member} · {issued.wallet} wallet")
    print(f"Payment code: {_spaced(issued.code)}   (valid {left} s)", flush=True)


def _trade_line(trade: dict[str, Any]) -> str:
    amount = format_fen(trade["amount_fen"])
    points = f", {format_points(trade['points'])}" if trade.get("points") else ""
    reason = f": {trade['message'] or trade['reason']}" if trade.get("reason") else ""
    return f"Payment {trade['out_trade_no']}: {trade['state']} {amount}{points}{reason}"


def _watch(phone: WalletPhone, args: argparse.Namespace) -> int:
    """Keep the code fresh like the phone page does; print each payment as it happens."""
    until = None if args.for_s is None else time.monotonic() + args.for_s
    shown: IssuedCode | None = None
    last = phone.newest_trade()
    while until is None or time.monotonic() < until:
        newest = phone.newest_trade()
        used = False
        if newest is not None and newest != last:
            print(_trade_line(newest), flush=True)
            used = shown is not None and newest.get("code_masked") == mask(shown.code)
            last = newest
        lead = 5.0 if shown is None else min(5.0, shown.ttl_s / 4)
        issued = phone.current_code(args.wallet, min_left_s=lead, refresh=used, check_used=False)
        if shown is None or issued.code != shown.code:
            if sys.stdout.isatty():
                sys.stdout.write("\x1b[2J\x1b[H")
            _show_code(issued, args)
            if args.png:
                write_png(issued.code, args.png)
            shown = issued
        time.sleep(0.5)
    return 0


def _run(args: argparse.Namespace) -> int:
    if args.send_sms:
        api = MemberApi(args.backend, lang=args.lang)
        try:
            api.send_sms(args.member)
        finally:
            api.close()
        print(
            f"Sent a sign-in SMS code to member {args.member} (bundled backend: read it with "
            f"`scanpay-backend sms-outbox --member {args.member}`); then pass --sms-code CODE."
        )
        return 0
    prompt = _ask_code if sys.stdin.isatty() and not args.json else None
    with WalletPhone(
        args.backend,
        args.member,
        state_dir=args.state_dir,
        admin_token=args.admin_token,
        sms_code=args.sms_code,
        prompt=prompt,
        lang=args.lang,
    ) as phone:
        if args.sign_out:
            ended = phone.sign_out()
            print("Signed out." if ended else "No session was saved.")
            return 0
        if args.watch:
            return _watch(phone, args)
        if args.balance:
            account = phone.account()
            print(json.dumps(account) if args.json else _balance_line(account))
            return 0
        issued = phone.current_code(args.wallet, min_left_s=args.min_left, refresh=args.refresh)
        account = phone.account()
    if args.png:
        write_png(issued.code, args.png)
    if args.json:
        print(
            json.dumps(
                {
                    "member_no": args.member,
                    "wallet": issued.wallet,
                    "code": issued.code,
                    "expires_in_s": round(max(0.0, issued.expires_at - time.time()), 1),
                    "balance_points": account["balance_points"],
                    "balance_card_fen": account["balance_card_fen"],
                    "png": args.png,
                }
            )
        )
        return 0
    _show_code(issued, args)
    print(_balance_line(account))
    if args.png:
        print(f"PNG: {args.png}")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.for_s is not None and not args.watch:
        _parser().error("--for goes with --watch")
    try:
        return _run(args)
    except WalletError as error:
        print(f"scanpay-wallet: {error.message} [{error.code}]", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    except EOFError:
        print("scanpay-wallet: no SMS code was typed", file=sys.stderr)
        return 1
    except OSError as error:
        print(f"scanpay-wallet: {error.strerror or error}: {error.filename or ''}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
