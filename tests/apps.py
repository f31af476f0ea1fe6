"""What the till's and the handheld's tests share: fixtures, a terminal's configuration, the pilot.

``tests/pos`` and ``tests/pda`` import these (their ``conftest.py`` takes
the fixtures, their ``pilot.py`` the helpers): a payment session with
shortened query timings, so that waiting states take seconds, not a minute;
credentials kept out of this machine's keyring; English unless a test
switches; and driving an app under Textual's pilot against the real backend.
"""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import keyring
import keyring.backends.fail
import pytest
from textual.app import App
from textual.pilot import Pilot

from appkit.i18n import set_language
from drivers.sim import SimScanner
from terminal_sdk.config import TerminalConfig
from terminal_sdk.profiles import QueryProfile

FAST = QueryProfile(
    first_query_s=0.3,
    intervals_s=(0.3, 0.5),
    deadline_s=6.0,
    reverse_intervals_s=(0.0, 0.3, 0.5),
    reverse_deadline_s=3.0,
    pin_margin_s=1.0,
)


# -- fixtures (taken into each app's conftest.py) ----------------------------------------------


@pytest.fixture(autouse=True)
def no_os_keyring() -> Iterator[None]:
    """Credentials go to the data directory's owner-only file, never to this machine's keyring."""
    before = keyring.get_keyring()
    keyring.set_keyring(keyring.backends.fail.Keyring())
    yield
    keyring.set_keyring(before)


@pytest.fixture(autouse=True)
def a_full_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """The apps draw as in a kiosk's terminal, whatever TERM the suite runs under
    (``TERM=linux`` means the bare console: tests of it set it themselves)."""
    monkeypatch.setenv("TERM", "xterm-256color")


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    set_language("en")
    yield
    set_language("en")


@pytest.fixture
def utc(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Times on screen (trade time, report stamps) read the same on every machine."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def terminal_config(
    url: str,
    data_dir: Path,
    *,
    scanners: tuple[str, ...] = ("sim:",),
    pinpad: str = "",
    lang: str = "en",
) -> TerminalConfig:
    """A terminal's configuration for a test: its own data directory, a short connect timeout."""
    return TerminalConfig.model_validate(
        {
            "backend": {"url": url, "connect_timeout_s": 1},
            "terminal": {"data_dir": str(data_dir), "language": lang},
            "devices": {"scanners": list(scanners), "pinpad": pinpad},
        }
    )


def closed_port_url() -> str:
    """An address on loopback where nothing listens (the port was free a moment ago)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}"


# -- the pilot -----------------------------------------------------------------------------------


def screen_text(app: App[Any]) -> str:
    """What the cashier or the courier sees now, as plain text."""
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


async def wait_for(
    pilot: Pilot[Any], condition: Callable[[], object], within: float = 10.0, what: str = ""
) -> None:
    """Let the app run until ``condition()`` holds; fail with the screen shown if it never does."""
    deadline = asyncio.get_running_loop().time() + within
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(
                f"timed out waiting for {what or condition}:\n{screen_text(pilot.app)}"
            )
        await pilot.pause(0.05)


async def wait_for_text(pilot: Pilot[Any], text: str, within: float = 10.0) -> str:
    await wait_for(pilot, lambda: text in screen_text(pilot.app), within, repr(text))
    return screen_text(pilot.app)


async def wait_for_screen(pilot: Pilot[Any], kind: type, within: float = 10.0) -> Any:
    """Wait until a screen of ``kind`` is on top and drawn; return it."""
    app = pilot.app
    await wait_for(
        pilot,
        lambda: isinstance(app.screen, kind) and app.screen.is_mounted and screen_text(app).strip(),
        within,
        kind.__name__,
    )
    await pilot.pause()
    await pilot.pause()  # the screen's first drawing is composited
    return app.screen


def scan(app: Any, code: str) -> None:
    """Show ``code`` to the app's simulated scanner (the till's or the handheld's)."""
    scanner = next(s for s in app.hub.scanners.values() if isinstance(s, SimScanner))
    scanner.scan(code)
