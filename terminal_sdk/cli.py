"""``scanpay-terminal``: enrol this device, check it, settle what is in doubt, print reports."""

from __future__ import annotations

import argparse
import asyncio
import sys

from protocol.errors import ScanPayError
from protocol.i18n import LANGUAGES
from protocol.models import TerminalKind
from protocol.money import format_fen, parse_fen

from .client import enrol
from .config import ConfigError, TerminalConfig, load_config
from .credentials import CredentialsMissing, CredentialStore
from .journal import Journal
from .shift import close_shift, shift_report
from .terminal import Terminal


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="scanpay-terminal",
        description="Enrol and look after a ScanPay terminal (POS or PDA).",
    )
    parser.add_argument(
        "--config",
        help="terminal TOML file (default: $SCANPAY_CONFIG or ~/.config/scanpay/terminal.toml)",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("enrol", help="enrol this device with a one-time activation code")
    p.add_argument("--activation-code", required=True, help="the code from store IT")
    p.add_argument("--backend", help="backend URL (default: from the configuration)")
    p.add_argument("--name", default="", help="a name for this device, e.g. till-3")
    p.add_argument("--kind", choices=[k.value for k in TerminalKind], default="pos")

    sub.add_parser("status", help="show configuration, enrolment and backend health")
    sub.add_parser("settle", help="settle payments and refunds left in doubt")

    p = sub.add_parser("shift", help="open a shift, or print the X report / close with a Z report")
    p.add_argument("action", choices=["open", "x", "z"])
    p.add_argument("--cashier", default="", help="cashier name when opening")
    p.add_argument(
        "--counted",
        action="append",
        default=[],
        metavar="TENDER=AMOUNT",
        help="counted amount per tender for the Z report, e.g. cash=120.50",
    )
    p.add_argument("--lang", choices=LANGUAGES, default="en", help="the report's language")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        config = load_config(args.config)
        return asyncio.run(_run(args, config))
    except (ConfigError, CredentialsMissing, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except ScanPayError as exc:
        print(f"error: {exc.message()}", file=sys.stderr)
        return 1


async def _run(args: argparse.Namespace, config: TerminalConfig) -> int:
    if args.command == "enrol":
        url = args.backend or config.backend.url
        creds = await enrol(
            url,
            args.activation_code,
            device_name=args.name,
            kind=TerminalKind(args.kind),
            ca_file=config.backend.ca_file,
        )
        where = CredentialStore(config.credentials_file, config.terminal.account).save(creds)
        print(f"enrolled as terminal {creds.terminal_id} (store {creds.store_id})")
        print(where)
        if args.backend and args.backend != config.backend.url:
            print(f'note: set [backend] url = "{args.backend}" in {config.source}')
        return 0
    if args.command == "shift":
        journal = Journal(config.journal_path)
        try:
            return _shift(args, journal)
        finally:
            journal.close()
    if args.command == "settle" and not config.journal_path.exists():
        print("nothing to settle: this terminal has no journal yet")  # it has never paid
        return 0
    async with Terminal.open(config) as terminal:
        if args.command == "status":
            health = await terminal.health()
            store = CredentialStore(config.credentials_file, config.terminal.account)
            store.load()
            print(f"configuration : {config.source}")
            print(
                f"backend       : {config.backend.url} -> {health.health.value}"
                + (f" ({health.reason.value})" if health.reason else "")
            )
            print(
                f"terminal      : {terminal.credentials.terminal_id} (credentials: {store.where})"
            )
            print(f"journal       : {config.journal_path}, {len(terminal.in_doubt())} in doubt")
            return 0 if health.ok else 1
        report = await terminal.settle(
            on_result=lambda entry, result: print(
                f"{entry.out_trade_no} {format_fen(entry.amount_fen)}: {result.outcome.value}"
                f" - {result.message()}"
            )
        )
        print(
            f"settled {len(report.payments)} payment(s), {len(report.refunds)} refund(s); "
            f"{report.still_in_doubt} still waiting for the backend"
        )
        return 0 if report.still_in_doubt == 0 else 1


def _shift(args: argparse.Namespace, journal: Journal) -> int:
    if args.action == "open":
        shift_id = journal.open_shift(args.cashier)
        print(f"shift {shift_id} open")
        return 0
    if args.action == "x":
        print(shift_report(journal).as_text(lang=args.lang))
        return 0
    counted = {}
    for item in args.counted:
        tender, _, amount = item.partition("=")
        if not tender or not amount:
            raise ValueError(f"--counted takes TENDER=AMOUNT, not {item!r}")
        counted[tender.strip().lower()] = parse_fen(amount)
    print(close_shift(journal, counted, lang=args.lang).as_text(lang=args.lang))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
