"""``scanpay-kiosk`` (and ``deploy/install-kiosk``): install, upgrade, size the font.

Exit status: 0 done (or nothing to do), 1 a step failed (what runs is what
ran before), 2 a wrong option or not run as root.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

from .host import Host, KioskError
from .install import InstallOptions, install
from .layout import KINDS, Layout
from .screen import Screen, foot_ini
from .upgrade import upgrade
from .versions import Versions

__all__ = ["main"]

SOURCE = Path(__file__).resolve().parent.parent  # the checkout (or the wheel) this runs from


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="scanpay-kiosk", description="Install and upgrade the ScanPay kiosk on a Debian till."
    )
    sub = parser.add_subparsers(dest="command", required=True)

    def machine(p: argparse.ArgumentParser) -> None:
        p.add_argument("--root", default="/", help="install into DIR (an image being built)")
        p.add_argument(
            "--no-system",
            action="store_true",
            help="write files only: no apt-get, useradd, chown, udevadm or systemctl",
        )
        p.add_argument("--dry-run", action="store_true", help="show every step, change nothing")
        p.add_argument(
            "--python", default="/usr/bin/python3", help="the Python that makes each environment"
        )
        p.add_argument(
            "--pip-arg",
            action="append",
            default=[],
            metavar="ARG",
            help="passed to pip install, e.g. --pip-arg=--no-index --pip-arg=--find-links=DIR "
            "(a till without internet, with the wheels of the dependencies on a USB stick)",
        )

    p = sub.add_parser("install", help="install (or repair) the kiosk; idempotent")
    p.add_argument("--kind", default="pos", help="pos (a till, the default) or pda (a handheld)")
    p.add_argument("--backend", default="http://127.0.0.1:8700", help="the payment service's URL")
    p.add_argument("--lang", choices=["en", "zh"], help="the app's language (default: the locale)")
    p.add_argument(
        "--screen", type=screen_size, help="the screen in pixels, e.g. 1024x768: sizes the font"
    )
    p.add_argument("--wheel", type=Path, help="the wheel from `make dist` (default: this checkout)")
    p.add_argument("--no-venv", action="store_true", help="leave the virtual environment alone")
    machine(p)

    p = sub.add_parser("upgrade", help="upgrade to a new wheel, settling what is in doubt first")
    p.add_argument("wheel", type=Path, help="the new wheel from `make dist`")
    p.add_argument(
        "--wait",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="how long to wait for the payment service to settle what is in doubt (default: 0)",
    )
    machine(p)

    p = sub.add_parser("font", help="print foot's settings for a screen (what install writes)")
    p.add_argument("--screen", type=screen_size, required=True, help="e.g. 1024x768")
    p.add_argument("--kind", default="pos", choices=sorted(KINDS))
    return parser


def screen_size(text: str) -> Screen:
    try:
        return Screen.parse(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "font":
        print(foot_ini(args.screen, KINDS[args.kind].layout), end="")
        return 0
    if args.command == "install" and args.kind not in KINDS:
        print(f"install-kiosk: --kind is pos (a till) or pda (a handheld), not {args.kind}",
              file=sys.stderr)  # fmt: skip
        return 2
    layout = Layout(Path(args.root).resolve())
    host = Host(layout.root, system=not args.no_system, dry_run=args.dry_run)
    if host.live and os.geteuid() != 0:
        print(f"{args.command}: run it as root (or with sudo)", file=sys.stderr)
        return 2
    try:
        if args.command == "upgrade":
            versions = Versions(layout, host, args.python, args.pip_arg)
            upgrade(args.wheel, layout, host, versions, wait_s=args.wait)
            return 0
        with tempfile.TemporaryDirectory(prefix="scanpay-wheel-") as built:
            wheel = None
            if args.dry_run and not args.wheel and not args.no_venv:
                host.say("  (dry run) the wheel would be built from this checkout and installed")
            elif not args.no_venv:
                wheel = args.wheel or build_wheel(host, Path(built), args.python)
            options = InstallOptions(
                KINDS[args.kind], args.backend, args.lang or "", args.screen, wheel,
                args.python, args.pip_arg,
            )  # fmt: skip
            install(options, layout, host)
    except (KioskError, ValueError) as exc:
        print(f"{args.command}: {exc}", file=sys.stderr)
        return 1
    return 0


def build_wheel(host: Host, into: Path, python: str) -> Path:
    """No wheel given: build one from the checkout this runs from, as `make dist` does."""
    if not (SOURCE / "pyproject.toml").is_file():
        raise KioskError("name the wheel to install: --wheel scanpay-VERSION-py3-none-any.whl")
    host.say(f"Building the wheel from {SOURCE}")
    done = host.run([python, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(into),
                     str(SOURCE)])  # fmt: skip
    wheels = sorted(into.glob("scanpay-*.whl"))
    if done.returncode != 0 or not wheels:
        raise KioskError(f"could not build the wheel: {done.stderr.strip()}")
    return wheels[0]
