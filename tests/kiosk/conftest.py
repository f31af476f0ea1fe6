"""Fixtures for the kiosk: the wheel as `make dist` builds it, installed into a temporary root.

The install is the real one (``deploy/install-kiosk --root``): a virtual
environment made by Debian's ``python3``, the wheel put in by pip, its code
loaded before ``current`` points at it, the unit, PAM service, udev rules,
foot's font and the TOML written. Only what needs the machine itself
(apt-get, useradd, chown, systemctl) is shown and not run. The wheel goes in
with ``--no-deps``: its dependencies come from this checkout's own
environment through ``PYTHONPATH`` instead of from PyPI (same CPython minor
version, so the same compiled packages), which is the one thing a till does
differently. What a test changes after the install, it says.
"""

from __future__ import annotations

import asyncio
import os
import pwd
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import keyring
import keyring.backends.fail
import pytest

from kiosk.layout import KINDS
from kiosk.screen import Screen, font_pixels
from terminal_sdk.client import enrol
from terminal_sdk.credentials import CredentialStore
from terminal_sdk.journal import Journal
from tests.kiosk.systemd import kiosk_user

REPO = Path(__file__).resolve().parents[2]
DEPS = sysconfig.get_paths()["purelib"]  # this checkout's installed packages
DEBIAN_PYTHON = "/usr/bin/python3"
TOOLS = {"cage": "cage", "foot": "foot", "grim": "grim", "Xwayland": "xwayland"}
SCREEN = "1280x720"  # the size of wlroots' headless output
PIXELS = font_pixels(Screen.parse(SCREEN), KINDS["pos"].layout)  # what install-kiosk picks


def installer_env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": DEPS, "PATH": "/usr/bin:/bin"}


@pytest.fixture(scope="session")
def kiosk_tools() -> None:
    """cage, foot, grim and Xwayland are there (the Makefile's DEBIAN_PACKAGES), or fail."""
    missing = [pkg for tool, pkg in TOOLS.items() if shutil.which(tool) is None]
    if missing:
        pytest.fail(f"the kiosk needs Debian's {', '.join(missing)}: run make setup")
    debian = subprocess.run(
        [DEBIAN_PYTHON, "-c", "import sys; print(sys.version_info[:2])"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    if debian != str(sys.version_info[:2]):
        pytest.fail(f"{DEBIAN_PYTHON} is {debian}, this checkout's Python {sys.version_info[:2]}")


@pytest.fixture(scope="session")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The project's wheel, built by the command `make dist` runs."""
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "--wheel-dir", str(out),
         str(REPO)],
        check=True, timeout=600, capture_output=True,
    )  # fmt: skip
    return next(out.glob("scanpay-*.whl"))


@dataclass
class Kiosk:
    """A kiosk installed under ``root``, its till enrolled with the test backend."""

    root: Path
    backend: Any

    @property
    def data(self) -> Path:
        return self.root / "var/lib/scanpay"

    @property
    def config(self) -> Path:
        return self.root / "etc/scanpay/terminal.toml"

    def run(self, *argv: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            list(argv), capture_output=True, text=True, timeout=600, env=installer_env()
        )

    def configure(self, *, url: str, lang: str = "en") -> None:
        """Point the TOML at the test's backend and at the root's data directory."""
        self.config.write_text(
            f'[backend]\nurl = "{url}"\nconnect_timeout_s = 2\n\n'
            f'[terminal]\nlanguage = "{lang}"\ndata_dir = "{self.data}"\n\n'
            '[devices]\nscanners = ["wedge:"]\n',
            encoding="utf-8",
        )

    def journal(self) -> Journal:
        return Journal(self.data / "journal.db")

    def give_to_kiosk_user(self) -> None:
        """The chowns the install shows but cannot run here, with the kiosk's user for
        ``scanpay``: the data directory is the user's, the TOML its group's to read."""
        if os.geteuid() == 0:
            user = pwd.getpwnam(kiosk_user())
            for path in [self.data, *self.data.rglob("*")]:
                os.chown(path, user.pw_uid, user.pw_gid)
            os.chown(self.config, 0, user.pw_gid)


def install_kiosk(wheel: Path, backend: Any, *args: str) -> Kiosk:
    """``deploy/install-kiosk`` into a new root that the kiosk's user may read, enrolled."""
    root = Path(tempfile.mkdtemp(prefix="scanpay-kiosk-"))
    root.chmod(0o755)
    kiosk = Kiosk(root, backend)
    done = kiosk.run(
        str(REPO / "deploy/install-kiosk"), "--root", str(root), "--wheel", str(wheel),
        "--backend", backend.url, "--screen", SCREEN, "--pip-arg=--no-deps", *args,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    kiosk.configure(url=backend.url)
    before = keyring.get_keyring()
    keyring.set_keyring(keyring.backends.fail.Keyring())  # the units' keyring: none
    try:
        code = backend.operator.activation_code("pos")
        creds = asyncio.run(enrol(backend.url, code))
        CredentialStore(kiosk.data / "credentials.json").save(creds)
    finally:
        keyring.set_keyring(before)
    journal = kiosk.journal()
    journal.open_shift("Wang Fang")
    journal.close()
    kiosk.give_to_kiosk_user()
    return kiosk


@pytest.fixture(scope="module")
def kiosk(kiosk_tools: None, wheel: Path, backend_sqlite: Any) -> Iterator[Kiosk]:
    installed = install_kiosk(wheel, backend_sqlite)
    yield installed
    shutil.rmtree(installed.root, ignore_errors=True)
