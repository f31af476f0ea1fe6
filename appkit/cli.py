"""The command line both apps share: ``--config``, ``--lang``, ``--scanner``, and what they make.

A configuration that cannot be used is refused on stderr before any screen
is drawn (exit status 2 is the caller's), so a broken file is never
mistaken for a first run.
"""

from __future__ import annotations

import argparse
import sys

from terminal_sdk.config import ConfigError, TerminalConfig, load_config

from .i18n import LANGUAGES

__all__ = ["add_terminal_arguments", "terminal_config"]


def add_terminal_arguments(
    parser: argparse.ArgumentParser, *, scanner_help: str
) -> argparse.ArgumentParser:
    """Add the options every way of starting an app shares (``scanner_help`` says which device)."""
    parser.add_argument(
        "--config",
        help="terminal TOML file (default: $SCANPAY_CONFIG or ~/.config/scanpay/terminal.toml)",
    )
    parser.add_argument(
        "--lang", choices=LANGUAGES, help="language (default: the configuration, else the locale)"
    )
    parser.add_argument("--scanner", action="append", default=[], metavar="URL", help=scanner_help)
    return parser


def terminal_config(args: argparse.Namespace) -> TerminalConfig | None:
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
