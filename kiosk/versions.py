"""One virtual environment per installed wheel, and the symlink that says which one runs.

A wheel goes into a new directory ``versions/<version>-<hash>`` beside the
running one. Only when its code loads there, with every dependency, may
``current`` move to it, in one rename; so a wheel that cannot be installed,
or whose code does not load, never becomes what the unit starts, and the
old version runs on. The one before stays as ``previous`` (a rollback is
``ln -sfn`` and a restart); older ones are removed.
"""

from __future__ import annotations

import hashlib
import shutil
import zipfile
from pathlib import Path

from .host import Host, KioskError
from .layout import Layout

__all__ = ["IMPORT_CHECK", "Versions", "version_name"]

# What must load for the kiosk to be worth starting: both apps, the SDK's command line (an
# upgrade settles with it) and this package (the next upgrade runs from it).
IMPORT_CHECK = "import kiosk.cli, terminal_sdk.cli, pos_client.app, pda_client.app"
READY = ".ready"  # written last into a version that passed the check


def version_name(wheel: Path) -> str:
    """``scanpay-0.2.0-py3-none-any.whl`` -> ``0.2.0-`` and 8 hex digits of a hash of what it
    holds (its files' names and contents: the same code built twice is the same version)."""
    parts = wheel.name.split("-")
    if wheel.suffix != ".whl" or len(parts) != 5 or parts[0] != "scanpay":
        raise KioskError(f"{wheel.name} is not a ScanPay wheel (scanpay-VERSION-py3-none-any.whl)")
    digest = hashlib.sha256()
    try:
        with zipfile.ZipFile(wheel) as files:
            for name in sorted(files.namelist()):
                digest.update(name.encode() + b"\0" + files.read(name))
    except (OSError, zipfile.BadZipFile) as exc:
        raise KioskError(f"{wheel} cannot be read as a wheel: {exc}") from None
    return f"{parts[1]}-{digest.hexdigest()[:8]}"


class Versions:
    """The installed versions under ``/opt/scanpay``."""

    def __init__(self, layout: Layout, host: Host, python: str, pip_args: list[str]) -> None:
        self.layout = layout
        self.host = host
        self.python = python  # Debian's python3: makes each environment and runs pip
        self.pip_args = pip_args

    def current(self) -> Path | None:
        link = self.layout.current
        return link.resolve() if link.is_symlink() else None

    def prepare(self, wheel: Path) -> Path:
        """Install ``wheel`` into its own environment and check that it loads; its directory."""
        target = self.layout.versions / version_name(wheel)
        if (target / READY).is_file():
            self.host.say(f"  {target.name} is installed already")
            return target
        self.host.say(f"  {wheel.name} -> {target}")
        if target.exists() and not self.host.dry_run:
            shutil.rmtree(target)  # half made by an interrupted run
        python = str(target / "bin" / "python")
        steps = [
            ([self.python, "-m", "venv", "--without-pip", str(target)], "make its environment"),
            ([self.python, "-m", "pip", "--python", python, "install", "--quiet",
              "--disable-pip-version-check", *self.pip_args, str(wheel.resolve())],
             "install it with pip"),
            ([python, "-c", IMPORT_CHECK], "load its code"),
        ]  # fmt: skip
        for argv, what in steps:
            done = self.host.run(argv)
            if done.returncode != 0:
                if not self.host.dry_run:
                    shutil.rmtree(target, ignore_errors=True)
                why = " / ".join((done.stderr or done.stdout).strip().splitlines()[-3:])
                raise KioskError(f"could not {what} ({wheel.name}): {why}")
        if not self.host.dry_run:
            (target / READY).write_text(wheel.name + "\n", encoding="utf-8")
        return target

    def switch(self, target: Path) -> Path | None:
        """Make ``target`` current; the one it replaces becomes ``previous`` and is returned."""
        before = self.current()
        if before == target.resolve():
            return None
        if before is not None:
            self.host.symlink(self.layout.previous, before)
        self.host.symlink(self.layout.current, target)
        return before

    def prune(self) -> None:
        """Remove the versions that are neither current nor previous."""
        keep = {link.resolve() for link in (self.layout.current, self.layout.previous)}
        if self.layout.versions.is_dir():
            for version in sorted(self.layout.versions.iterdir()):
                if version.resolve() not in keep:
                    self.host.say(f"  remove {version}")
                    if not self.host.dry_run:
                        shutil.rmtree(version)
