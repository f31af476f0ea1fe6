"""A real terminal for the apps: a tmux server of our own, send-keys to type, capture-pane to read.

Each :class:`Tmux` has its own server socket (``tmux -L``), so nothing here
touches a tmux the developer has open, and one session whose windows are
named (the till, the customer's PIN pad...). ``window=None`` means the
session's current window.
"""

from __future__ import annotations

import subprocess
import time
import uuid
from pathlib import Path

__all__ = ["Tmux"]

REPO = Path(__file__).resolve().parent.parent


class Tmux:
    """One tmux server of our own, with one session."""

    def __init__(self, name: str) -> None:
        self.socket = f"{name}-{uuid.uuid4().hex[:8]}"
        self.session = "main"

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["tmux", "-L", self.socket, *args], capture_output=True, text=True, check=check
        )

    def start(
        self,
        command: str,
        env: dict[str, str],
        width: int = 80,
        height: int = 25,
        *,
        window: str = "main",
        status: bool = True,
    ) -> None:
        """Start the server with one window running ``command`` (``status=False``: no tmux bar)."""
        subprocess.run(
            ["tmux", "-L", self.socket, "-u", "-f", "/dev/null", "new-session", "-d",
             "-s", self.session, "-n", window, "-x", str(width), "-y", str(height), command],
            check=True, env=env, cwd=REPO,
        )  # fmt: skip
        if not status:
            self.run("set-option", "-t", self.session, "status", "off")

    def add_window(self, window: str, command: str) -> None:
        """Another window in the background, in the environment the server started with."""
        self.run("new-window", "-d", "-t", self.session, "-n", window, "-c", str(REPO), command)

    def target(self, window: str | None) -> str:
        return self.session if window is None else f"{self.session}:{window}"

    def size(self, window: str | None = None) -> tuple[int, int]:
        shown = self.run("display-message", "-p", "-t", self.target(window),
                         "#{window_width} #{window_height}").stdout.split()  # fmt: skip
        return int(shown[0]), int(shown[1])

    def screen(self, window: str | None = None) -> str:
        return self.run("capture-pane", "-p", "-t", self.target(window), check=False).stdout

    def wait_for(self, text: str, within: float = 30.0, window: str | None = None) -> str:
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            shown = self.screen(window)
            if text in shown:
                return shown
            time.sleep(0.1)
        raise AssertionError(f"{text!r} never appeared; the terminal shows:\n{self.screen(window)}")

    def keys(self, *keys: str, window: str | None = None) -> None:
        self.run("send-keys", "-t", self.target(window), *keys)

    def alive(self) -> bool:
        return self.run("has-session", "-t", self.session, check=False).returncode == 0

    def kill(self) -> None:
        self.run("kill-server", check=False)
