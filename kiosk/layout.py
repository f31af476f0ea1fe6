"""Where the kiosk puts everything, on the till or under a temporary root (``--root``).

::

    /opt/scanpay/versions/<version>-<hash>/   one virtual environment per installed wheel
    /opt/scanpay/current -> versions/...      what the unit runs; moved by an upgrade
    /opt/scanpay/previous -> versions/...     the one before, kept for a rollback
    /etc/scanpay/terminal.toml                the terminal's configuration (kept once written)
    /etc/scanpay/foot-till.ini                the kiosk's font, sized for the screen
    /var/lib/scanpay/                         journal, credentials, queues (0700); an
                                              upgrade never touches them
    /etc/systemd/system/scanpay-till.service  the unit (scanpay-pda.service on a handheld)
    /etc/pam.d/scanpay-kiosk                  the unit's login session on tty1
    /etc/udev/rules.d/99-scanpay.rules        scanners and PIN pads for the scanpay group
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .screen import Grid, Screen

__all__ = ["KINDS", "USER", "Kind", "Layout"]

USER = "scanpay"  # the user and the group the kiosk runs as


@dataclass(frozen=True)
class Kind:
    """A kind of terminal the kiosk runs: the till or the handheld."""

    name: str  # "pos" or "pda", as ``scanpay-terminal enrol --kind``
    unit: str  # the systemd unit's file name (in deploy/)
    app: str  # the console script the unit starts
    layout: Grid  # what the app is laid out for
    screen: Screen  # the screen assumed when none is given

    @property
    def foot_ini(self) -> str:
        """``scanpay-till.service`` -> ``foot-till.ini``."""
        return "foot-" + self.unit.removeprefix("scanpay-").removesuffix(".service") + ".ini"


KINDS = {
    "pos": Kind("pos", "scanpay-till.service", "scanpay-pos", Grid(80, 24), Screen(1024, 768)),
    "pda": Kind("pda", "scanpay-pda.service", "scanpay-pda", Grid(40, 20), Screen(480, 800)),
}


@dataclass(frozen=True)
class Layout:
    """The kiosk's paths under ``root`` ("/" on the till itself)."""

    root: Path = Path("/")

    def at(self, path: str) -> Path:
        """``/etc/scanpay`` -> ``ROOT/etc/scanpay``."""
        return self.root / path.lstrip("/")

    @property
    def opt(self) -> Path:
        return self.at("/opt/scanpay")

    @property
    def versions(self) -> Path:
        return self.opt / "versions"

    @property
    def current(self) -> Path:
        return self.opt / "current"

    @property
    def previous(self) -> Path:
        return self.opt / "previous"

    @property
    def etc(self) -> Path:
        return self.at("/etc/scanpay")

    @property
    def config(self) -> Path:
        return self.etc / "terminal.toml"

    @property
    def data(self) -> Path:
        return self.at("/var/lib/scanpay")

    @property
    def pam(self) -> Path:
        return self.at("/etc/pam.d/scanpay-kiosk")

    @property
    def udev_rules(self) -> Path:
        return self.at("/etc/udev/rules.d/99-scanpay.rules")

    def unit(self, kind: Kind) -> Path:
        return self.at("/etc/systemd/system") / kind.unit

    def foot_ini(self, kind: Kind) -> Path:
        return self.etc / kind.foot_ini

    def installed_kind(self) -> Kind | None:
        """The kind whose unit is installed here (None: the kiosk is not installed)."""
        return next((kind for kind in KINDS.values() if self.unit(kind).exists()), None)
