"""``python -m scanpay_wallet`` is ``scanpay-wallet``."""

from .cli import main

raise SystemExit(main())
