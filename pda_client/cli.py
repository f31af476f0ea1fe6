"""``scanpay-pda``: the courier's handheld."""

from __future__ import annotations

import argparse
import sys

from terminal_sdk.config import ConfigError, load_config

from .app import PdaApp
from .i18n import LANGUAGES

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="scanpay-pda",
        description="The courier's handheld: today's cash-on-delivery orders, "
        "payment at the door (PIN or SMS code), sign-off.",
    )
    parser.add_argument(
        "--config",
        help="terminal TOML file (default: $SCANPAY_CONFIG or ~/.config/scanpay/terminal.toml)",
    )
    parser.add_argument(
        "--lang", choices=LANGUAGES, help="language (default: the configuration, else the locale)"
    )
    parser.add_argument(
        "--scanner",
        action="append",
        default=[],
        metavar="URL",
        help="use this scan engine or camera instead of the configured ones (repeatable), "
        "e.g. serial:///dev/ttyS1?suffix=cr or camera:0",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        config = load_config(args.config)
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.lang:
        config.terminal.language = args.lang
    if args.scanner:
        config.devices.scanners = list(args.scanner)
    PdaApp(config).run()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
