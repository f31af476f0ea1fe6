"""The customer's wallet as a program: ``scanpay-wallet`` and what demos and tests import.

A terminal simulator of the phone page (``/wallet``): it talks to the member
API over HTTP only, so it runs against any backend it can reach, and it
imports nothing of ``backend_stub``. Layers: scanpay_wallet -> protocol.

- :func:`current_code` the member's current payment code, as a demo "scans" it
- :class:`WalletPhone` one member's phone: saved session, the code on screen
- :class:`MemberApi`   the member API over HTTP; :func:`outbox_code` reads the SMS outbox
- :func:`write_png`    the code as Code128 + digits + QR in a PNG
"""

from .client import DEFAULT_BACKEND, IssuedCode, MemberApi, WalletError, outbox_code
from .phone import DEMO_MEMBER, WalletPhone, current_code
from .picture import code_picture, write_png

__all__ = [
    "DEFAULT_BACKEND",
    "DEMO_MEMBER",
    "IssuedCode",
    "MemberApi",
    "WalletError",
    "WalletPhone",
    "code_picture",
    "current_code",
    "outbox_code",
    "write_png",
]
