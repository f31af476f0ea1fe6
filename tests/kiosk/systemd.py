"""The kiosk's unit, run as systemd would run it, on a machine without systemd or a screen.

:class:`Unit` reads the installed unit file (sections, repeated keys,
continued lines). :class:`Service` runs its ``ExecStart`` the way systemd
runs it: as the unit's user, with the unit's ``Environment=``, and started
again ``RestartSec`` after it ends when ``Restart=always`` (what on-failure
would do is not emulated: our units do not use it).

What stands in for the machine, and only that:
- the user: ``nobody`` when the tests run as root (cage refuses root), else
  the user running them; ``XDG_RUNTIME_DIR`` is a private directory, as
  pam_systemd's session would give;
- the screen: ``WLR_BACKENDS=headless WLR_RENDERER=pixman`` (no GPU, no
  display here), so cage draws into memory and ``grim`` reads it;
- the paths: ``/opt/scanpay`` and ``/etc/scanpay`` in the unit are taken
  under the temporary root the install wrote;
- the dependencies: ``PYTHONPATH`` holds this checkout's installed packages,
  since the installed version was put in with ``pip --no-deps`` (its own
  code is the wheel's).
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import pwd
import shlex
import signal
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["Keyboard", "Service", "Unit", "kiosk_user", "processes_under"]

MAPPED = ("/opt/scanpay", "/etc/scanpay", "/var/lib/scanpay")
PIDFD_GETFD = 438  # the system call's number (x86-64 and arm64 alike)


@dataclass
class Unit:
    sections: dict[str, dict[str, list[str]]] = field(default_factory=dict)

    @classmethod
    def read(cls, path: Path) -> Unit:
        unit = cls()
        section: dict[str, list[str]] = {}
        text = path.read_text(encoding="utf-8").replace("\\\n", " ")
        for raw in text.splitlines():
            line = raw.strip()
            if not line or line.startswith(("#", ";")):
                continue
            if line.startswith("["):
                section = unit.sections.setdefault(line.strip("[]"), {})
                continue
            key, _, value = line.partition("=")
            section.setdefault(key.strip(), []).append(value.strip())
        return unit

    def get(self, section: str, key: str, default: str = "") -> str:
        values = self.sections.get(section, {}).get(key, [])
        return values[-1] if values else default

    def all(self, section: str, key: str) -> list[str]:
        return self.sections.get(section, {}).get(key, [])

    def environment(self) -> dict[str, str]:
        env: dict[str, str] = {}
        for line in self.all("Service", "Environment"):
            for item in shlex.split(line):
                name, _, value = item.partition("=")
                env[name] = value
        return env


def kiosk_user() -> str:
    """Who runs the kiosk here: never root (cage refuses it)."""
    return "nobody" if os.geteuid() == 0 else pwd.getpwuid(os.geteuid()).pw_name


def processes_under(pid: int) -> list[tuple[int, str]]:
    """``pid``'s descendants, as (pid, command line), read from /proc."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                stat = (entry / "stat").read_text()
                ppid = int(stat.rsplit(")", 1)[1].split()[1])
                children.setdefault(ppid, []).append(int(entry.name))
    found: list[tuple[int, str]] = []
    todo = list(children.get(pid, []))
    while todo:
        child = todo.pop()
        with contextlib.suppress(OSError):
            cmdline = (Path("/proc") / str(child) / "cmdline").read_bytes()
            found.append((child, cmdline.replace(b"\0", b" ").decode(errors="replace")))
        todo += children.get(child, [])
    return found


class Service:
    """One kiosk unit, started, supervised and stopped as systemd would."""

    def __init__(self, unit_file: Path, root: Path, *, extra_env: dict[str, str]) -> None:
        self.unit = Unit.read(unit_file)
        self.root = root
        self.user = kiosk_user()
        self.runtime = Path(tempfile.mkdtemp(prefix="scanpay-xdg-"))
        os.chmod(self.runtime, 0o700)
        if os.geteuid() == 0:
            os.chown(self.runtime, pwd.getpwnam(self.user).pw_uid, -1)
        self.extra_env = extra_env
        self.log = root / "kiosk.log"
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0
        self._stopping = threading.Event()
        self._supervisor: threading.Thread | None = None

    def mapped(self, value: str) -> str:
        """A path of the till (alone, or after ``--option=``) taken under the root."""
        option, equals, path = value.rpartition("=") if value.startswith("--") else ("", "", value)
        if path.startswith(MAPPED):
            return option + equals + str(self.root) + path
        return value

    def command(self) -> list[str]:
        argv = [self.mapped(arg) for arg in shlex.split(self.unit.get("Service", "ExecStart"))]
        env = {name: self.mapped(value) for name, value in self.unit.environment().items()}
        env |= {
            "HOME": str(self.runtime),
            "USER": self.user,
            "XDG_RUNTIME_DIR": str(self.runtime),
            "PATH": "/usr/bin:/bin",
            "WLR_BACKENDS": "headless",
            "WLR_RENDERER": "pixman",
            **self.extra_env,
        }
        prefix = ["runuser", "-u", self.user, "--"] if os.geteuid() == 0 else []
        return [*prefix, "env", "-i", *(f"{k}={v}" for k, v in env.items()), *argv]

    # -- systemctl start / stop --------------------------------------------------------------

    def start(self) -> None:
        self._stopping.clear()
        self._spawn()
        self._supervisor = threading.Thread(target=self._supervise, daemon=True)
        self._supervisor.start()

    def _spawn(self) -> None:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                self.command(), stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        self.starts += 1

    def _supervise(self) -> None:
        restart = self.unit.get("Service", "Restart", "no")
        delay = float(self.unit.get("Service", "RestartSec", "0.1"))
        while not self._stopping.is_set():
            assert self.process is not None
            self.process.wait()
            if self._stopping.is_set() or restart != "always":
                return
            if self._stopping.wait(delay):
                return
            self._spawn()

    def stop(self) -> None:
        """``systemctl stop``: SIGTERM to every process of the unit, then SIGKILL."""
        self._stopping.set()
        self._signal_all(signal.SIGTERM)
        deadline = time.monotonic() + 5
        while self.process is not None and self.process.poll() is None:
            if time.monotonic() > deadline:
                self._signal_all(signal.SIGKILL)
                break
            time.sleep(0.05)
        if self._supervisor is not None:
            self._supervisor.join(timeout=10)

    def power_cut(self) -> None:
        """The machine loses power: every process of the unit dies at once, nothing restarts."""
        self._stopping.set()
        self._signal_all(signal.SIGKILL)
        if self._supervisor is not None:
            self._supervisor.join(timeout=10)

    def _signal_all(self, sig: signal.Signals) -> None:
        if self.process is None:
            return
        pids = [self.process.pid] + [pid for pid, _ in processes_under(self.process.pid)]
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, sig)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=5)

    # -- looking in ----------------------------------------------------------------------------

    def app_pid(self, script: str) -> int | None:
        """The app's process (its command line names ``script``), if it runs now."""
        if self.process is None:
            return None
        found = [pid for pid, cmd in processes_under(self.process.pid) if script in cmd]
        return found[0] if found else None

    def screenshot(self) -> bytes:
        """What the screen shows now, as PNG (``grim``, as the kiosk's user)."""
        sockets = sorted(self.runtime.glob("wayland-[0-9]"), key=lambda p: p.stat().st_mtime)
        if not sockets:
            raise RuntimeError(f"cage has no Wayland socket yet:\n{self.log_tail()}")
        prefix = ["runuser", "-u", self.user, "--"] if os.geteuid() == 0 else []
        env = [f"XDG_RUNTIME_DIR={self.runtime}", f"WAYLAND_DISPLAY={sockets[-1].name}"]
        done = subprocess.run(
            [*prefix, "env", *env, "grim", "-"], capture_output=True, timeout=20, check=False
        )
        if done.returncode != 0:
            raise RuntimeError(f"grim: {done.stderr.decode(errors='replace')}\n{self.log_tail()}")
        return done.stdout

    def log_tail(self, lines: int = 30) -> str:
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        kept = [line for line in text.splitlines() if "Basic output test failed" not in line]
        return "\n".join(kept[-lines:])


class Keyboard:
    """Keys into the kiosk's terminal, as foot sends them to the app.

    cage 0.1.4 has no virtual-keyboard protocol (``wtype`` is refused), so
    the keys go in one layer below: into the terminal's pty, through a copy
    of foot's own end of it (``pidfd_getfd``). The app reads exactly what
    foot writes when a key is pressed; foot's key handling itself is not
    exercised.
    """

    def __init__(self, service: Service) -> None:
        self.service = service

    def _pty(self) -> int:
        assert self.service.process is not None
        foot = [pid for pid, cmd in processes_under(self.service.process.pid)
                if cmd.split(" ", 1)[0].endswith("foot")]  # fmt: skip
        if not foot:
            raise RuntimeError(f"foot is not running:\n{self.service.log_tail()}")
        fds = Path(f"/proc/{foot[0]}/fd")
        master = next(int(fd.name) for fd in fds.iterdir() if os.readlink(fd) == "/dev/ptmx")
        pidfd = os.pidfd_open(foot[0])
        try:
            copied = ctypes.CDLL(None, use_errno=True).syscall(PIDFD_GETFD, pidfd, master, 0)
            if copied < 0:
                raise OSError(ctypes.get_errno(), "pidfd_getfd")
            return int(copied)
        finally:
            os.close(pidfd)

    def type(self, text: str, *, gap_s: float = 0.0) -> None:
        """``text`` as keys; ``gap_s`` apart (a person), or all at once (a wedge scanner)."""
        fd = self._pty()
        try:
            if not gap_s:
                os.write(fd, text.encode())
                return
            for char in text:
                os.write(fd, char.encode())
                time.sleep(gap_s)
        finally:
            os.close(fd)
