"""``scanpay-pos``: the cashier's till."""

from __future__ import annotations

import argparse
import sys

from terminal_sdk.config import ConfigError, load_config

from .app import PosApp
from .i18n import LANGUAGES
from .pinpad import open_till_pad

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="scanpay-pos",
        description="The cashier's till: sales paid with points and wallet codes, refunds, shifts.",
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
        help="use this scanner instead of the configured ones (repeatable)",
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
    PosApp(config, pad_opener=open_till_pad).run()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
