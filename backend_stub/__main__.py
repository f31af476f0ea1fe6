"""``python -m backend_stub`` is ``scanpay-backend``."""

import sys

from backend_stub.cli.main import main

sys.exit(main())
