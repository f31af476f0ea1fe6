"""``scanpay-paycode``: print a fresh payment code of ours as digits and a terminal QR.

The protocol's own demonstration: the code a customer's phone would show,
how a terminal classifies it, and the masked form that goes into logs.
"""

from __future__ import annotations

import argparse
import io
import sys

import qrcode

from .paycode import OWN_PREFIXES, Issuer, classify, generate, mask


def terminal_qr(text: str, *, invert: bool = False) -> str:
    """``text`` as a QR drawn with half-block characters, two modules per character row."""
    qr = qrcode.QRCode(border=2, error_correction=qrcode.constants.ERROR_CORRECT_M)
    qr.add_data(text)
    qr.make(fit=True)
    out = io.StringIO()
    qr.print_ascii(out=out, invert=invert)
    return out.getvalue()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="scanpay-paycode",
        description="Print a fresh ScanPay payment code (digits, QR) and how a terminal reads it.",
    )
    parser.add_argument(
        "--issuer",
        choices=[i.value for i in OWN_PREFIXES],
        default=Issuer.POINTS.value,
        help="which of our wallets the code pays from (default: points)",
    )
    parser.add_argument("--no-qr", action="store_true", help="print the digits only")
    parser.add_argument(
        "--classify", metavar="TEXT", help="classify TEXT as a scanner would read it, then exit"
    )
    args = parser.parse_args(argv)

    if args.classify is not None:
        print(classify(args.classify))
        return 0

    code = generate(args.issuer)
    if not args.no_qr:
        sys.stdout.write(terminal_qr(code))
    print(f"payment code : {code}")
    print(f"in logs      : {mask(code)}")
    print(f"a terminal reads it as: {classify(code)}")
    print("(a real code is valid for 60 seconds and only once; this one is not registered)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
