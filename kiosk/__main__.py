"""``python3 -m kiosk``: what ``deploy/install-kiosk`` and ``deploy/upgrade-kiosk`` run."""

from kiosk.cli import main

raise SystemExit(main())
