"""``python -m backend_stub`` is ``scanpay-backend``."""

import sys

from .cli import main

sys.exit(main())
