"""``scanpay-pos``: the cashier's till."""

from __future__ import annotations

import argparse
import sys

from terminal_sdk.config import ConfigError, TerminalConfig, load_config

from .app import PosApp
from .i18n import LANGUAGES
from .pinpad import open_till_pad

__all__ = ["add_till_arguments", "main", "till_config"]


def add_till_arguments(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """The options every way of starting the till shares (the demo adds its own)."""
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


def till_config(args: argparse.Namespace) -> TerminalConfig | None:
    """The configuration with the command line's changes; None (said on stderr) if unusable."""
    try:
        config = load_config(args.config)
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return None
    if args.lang:
        config.terminal.language = args.lang
    if args.scanner:
        config.devices.scanners = list(args.scanner)
    return config


def main(argv: list[str] | None = None) -> int:
    parser = add_till_arguments(
        argparse.ArgumentParser(
            prog="scanpay-pos",
            description="The cashier's till: sales paid with points and wallet codes, refunds, "
            "shifts.",
        )
    )
    config = till_config(parser.parse_args(argv))
    if config is None:
        return 2
    PosApp(config, pad_opener=open_till_pad).run()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
