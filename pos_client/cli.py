"""``scanpay-pos``: the cashier's till."""

from __future__ import annotations

import argparse

from appkit.cli import add_terminal_arguments, terminal_config

from .app import PosApp
from .pinpad import open_till_pad

__all__ = ["add_till_arguments", "main"]


def add_till_arguments(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """The options every way of starting the till shares (the demo adds its own)."""
    return add_terminal_arguments(
        parser, scanner_help="use this scanner instead of the configured ones (repeatable)"
    )


def main(argv: list[str] | None = None) -> int:
    parser = add_till_arguments(
        argparse.ArgumentParser(
            prog="scanpay-pos",
            description="The cashier's till: sales paid with points and wallet codes, refunds, "
            "shifts.",
        )
    )
    config = terminal_config(parser.parse_args(argv))
    if config is None:
        return 2
    PosApp(config, pad_opener=open_till_pad).run()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
