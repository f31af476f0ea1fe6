"""The machine the kiosk is installed on: its commands run, or are only shown.

- On the till (root ``/``) everything runs.
- ``--root DIR`` (an image being built; the tests) or ``--no-system``: files
  are written and the project's own commands run (the virtual environment,
  pip, the import check, settling), but what changes the machine itself
  (apt-get, useradd, chown, systemctl, udevadm) is only shown, and kept in
  :attr:`Host.skipped`.
- ``--dry-run``: nothing is written or run; every step is shown.

Each change is said as it is made, so a field tech sees what the command
did, and a second run that finds everything in place says nothing but that.
"""

from __future__ import annotations

import grp
import os
import pwd
import shlex
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from .layout import USER

__all__ = ["Host", "KioskError"]


class KioskError(Exception):
    """A step failed; the message says which, why, and what was left as it was."""


class Host:
    def __init__(
        self, root: Path, *, system: bool = True, dry_run: bool = False, out: TextIO | None = None
    ) -> None:
        self.root = root
        self.dry_run = dry_run
        self.out = out or sys.stdout
        self.live = system and root == Path("/") and not dry_run  # the machine's own commands run
        self.skipped: list[list[str]] = []  # the machine's commands shown but not run

    def say(self, text: str) -> None:
        print(text, file=self.out, flush=True)

    # -- the machine itself ----------------------------------------------------------------

    def system(self, *argv: str) -> None:
        """A command that changes the machine: run on the till, only shown otherwise."""
        if not self.live:
            self.say(f"  (not run here) {shlex.join(argv)}")
            self.skipped.append(list(argv))
            return
        self.say(f"  + {shlex.join(argv)}")
        done = subprocess.run(argv, capture_output=True, text=True, check=False)  # noqa: S603
        if done.returncode != 0:
            raise KioskError(f"{shlex.join(argv)} failed: {(done.stderr or done.stdout).strip()}")

    def holds(self, *argv: str) -> bool:
        """Ask the machine (``getent``, ``dpkg-query``); where it is not ours, assume not."""
        if not self.live:
            return False
        return subprocess.run(argv, capture_output=True, check=False).returncode == 0  # noqa: S603

    def chown(self, path: Path, user: str, group: str) -> None:
        """Give ``path`` to ``user:group`` unless it is theirs already."""
        if self.live:
            st = path.stat()
            if (st.st_uid, st.st_gid) == (pwd.getpwnam(user).pw_uid, grp.getgrnam(group).gr_gid):
                return
        self.system("chown", f"{user}:{group}", str(path))

    # -- the project's own commands ----------------------------------------------------------

    def run(
        self, argv: Sequence[str], *, as_user: bool = False, timeout: float = 900
    ) -> subprocess.CompletedProcess[str]:
        """Run one of the project's commands (on the till as the kiosk's user if ``as_user``).

        It runs from ``/`` with this installer's own source taken off
        ``PYTHONPATH``, so that a new version is checked with its own code only.
        """
        command = list(argv)
        if as_user and self.live:
            command = ["runuser", "-u", USER, "--", *command]
        if self.dry_run:
            self.say(f"  (dry run) {shlex.join(command)}")
            return subprocess.CompletedProcess(command, 0, "", "")
        return subprocess.run(  # noqa: S603 (the installer's own commands, from its own paths)
            command,
            capture_output=True,
            text=True,
            check=False,
            cwd="/",
            env=child_env(),
            timeout=timeout,
        )

    # -- files ---------------------------------------------------------------------------------

    def write(self, path: Path, text: str, *, mode: int = 0o644) -> bool:
        """Write ``text`` to ``path`` (in one rename) unless it is there; True if written."""
        if path.is_file() and path.read_text(encoding="utf-8") == text:
            return False
        self.say(f"  write {path}")
        if not self.dry_run:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(path.name + ".new")
            tmp.write_text(text, encoding="utf-8")
            tmp.chmod(mode)
            os.replace(tmp, path)
        return True

    def mkdir(self, path: Path, *, mode: int = 0o755) -> None:
        if path.is_dir():
            return
        self.say(f"  mkdir {path}")
        if not self.dry_run:
            path.mkdir(parents=True)
            path.chmod(mode)

    def symlink(self, link: Path, target: Path) -> None:
        """Point ``link`` at ``target`` in one rename: a reader sees the old or the new."""
        self.say(f"  {link} -> {target.name}")
        if not self.dry_run:
            tmp = link.with_name(link.name + ".new")
            tmp.unlink(missing_ok=True)
            tmp.symlink_to(os.path.relpath(target, link.parent))
            os.replace(tmp, link)


def child_env() -> dict[str, str]:
    """This process's environment without its own source (the checkout or the wheel) on
    ``PYTHONPATH``."""
    env = dict(os.environ)
    own = Path(__file__).resolve().parent.parent
    paths = env.get("PYTHONPATH", "").split(os.pathsep)
    kept = [p for p in paths if p and Path(p).resolve() != own]
    env.pop("PYTHONPATH", None)
    if kept:
        env["PYTHONPATH"] = os.pathsep.join(kept)
    return env
