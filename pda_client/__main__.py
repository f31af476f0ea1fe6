"""``python -m pda_client``: the same as ``scanpay-pda``."""

from __future__ import annotations

import sys

from .cli import main

sys.exit(main())
