"""``scanpay-pda``: the courier's handheld."""

from __future__ import annotations

import argparse

from appkit.cli import add_terminal_arguments, terminal_config

from .app import PdaApp

__all__ = ["main"]


def main(argv: list[str] | None = None) -> int:
    parser = add_terminal_arguments(
        argparse.ArgumentParser(
            prog="scanpay-pda",
            description="The courier's handheld: today's cash-on-delivery orders, "
            "payment at the door (PIN or SMS code), sign-off.",
        ),
        scanner_help="use this scan engine or camera instead of the configured ones (repeatable), "
        "e.g. serial:///dev/ttyS1?suffix=cr or camera:0",
    )
    config = terminal_config(parser.parse_args(argv))
    if config is None:
        return 2
    PdaApp(config).run()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
