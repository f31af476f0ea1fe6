"""``TerminalApp``: what the till and the handheld do alike, beneath each one's own screens.

Both load the terminal's identity (none: the enrolment screen), settle what
a crash left in doubt before a new payment (the start-up screen), watch the
backend's health for the status bar and for offline honesty, send store IT
a heartbeat (devices, payments in doubt; at once when a device changes, and
rotating the secret when asked), read every
scanner (a keyboard wedge's scans taken out of the typing), switch the
language with a key, and refuse to quit while a payment runs. Each app
names its screens, its catalog and its keys, and adds its own work.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Sequence
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any, ClassVar

from textual import events, work
from textual.app import App
from textual.filter import LineFilter
from textual.reactive import reactive
from textual.screen import Screen

from drivers.hotplug import DeviceEvent
from drivers.scanner import Scan
from protocol.models import DeviceState, HeartbeatResponse
from terminal_sdk.config import TerminalConfig, default_config_path, load_config
from terminal_sdk.credentials import CredentialsMissing
from terminal_sdk.heartbeat import HeartbeatLoop, safe_url
from terminal_sdk.terminal import BackendHealth, Health, Terminal

from .console import CHINESE_NEEDS_KIOSK, ConsoleGlyphs, bare_console
from .devices import DeviceHub, DeviceStatus
from .i18n import Catalog, current_language, language_from_locale, set_language
from .messages import Scanned
from .screen import AppScreen
from .wedgekeys import WedgeKeys

__all__ = ["DeviceEvents", "TerminalApp", "TerminalOpener", "app_version"]

TerminalOpener = Callable[[TerminalConfig], Terminal]
DeviceEvents = Callable[[], AsyncIterator[DeviceEvent]]
"""Where news of devices plugged in and out comes from (None: not watched)."""


def app_version() -> str:
    try:
        return version("scanpay")[:32]
    except PackageNotFoundError:
        return ""


class TerminalApp(App[None]):
    """``opener`` makes the :class:`Terminal` (tests pass a shorter query profile)."""

    ENABLE_COMMAND_PALETTE = False
    #: the app's words (its own catalog, which also holds appkit's)
    catalog: ClassVar[Catalog]
    #: what a scan on a screen that takes none is told (a message of the catalog)
    SCAN_IGNORED: ClassVar[str]
    #: the app's name in heartbeats (store IT's list)
    APP_NAME: ClassVar[str] = "scanpay"

    status_version: reactive[int] = reactive(0)  # bumped: the status bar redraws

    def __init__(
        self,
        config: TerminalConfig,
        *,
        opener: TerminalOpener | None = None,
        health_interval_s: float = 5.0,
        pinpad_url: str = "",
    ) -> None:
        super().__init__()
        self.config = config
        self._opener: TerminalOpener = opener or Terminal.open
        self.health_interval_s = health_interval_s
        self.terminal: Terminal | None = None
        self.health: BackendHealth | None = None
        self.hub = DeviceHub(self._on_scan, self.bump_status, pinpad_url=pinpad_url)
        self.wedge_keys = WedgeKeys(self)
        self.payment_running = False
        self.heartbeat: HeartbeatLoop | None = None
        self._devices_seen: list[tuple[str, bool]] = []
        self._health_wake = asyncio.Event()
        wanted = language_from_locale(config.terminal.language)
        self.chinese_refused = bare_console() and wanted == "zh"  # said once the app runs
        set_language("en" if bare_console() else wanted)
        self.console_glyphs = [ConsoleGlyphs()] if bare_console() else []

    def get_line_filters(self) -> Sequence[LineFilter]:
        """Textual's filters, and on the bare console the one that keeps to its font's glyphs."""
        return [*super().get_line_filters(), *self.console_glyphs]

    # -- start-up --------------------------------------------------------------------------

    async def open_scanners(self, device_events: DeviceEvents | None) -> None:
        """Open the configured scanners; follow ``device_events`` for serial ones plugged in."""
        await self.hub.start(self.config.devices.scanners)
        self.wedge_keys.attach(self.hub.wedge)
        if device_events is not None:
            self.run_worker(
                self.hub.follow_hotplug(device_events), name="hotplug", exit_on_error=False
            )

    def open_terminal(self) -> None:
        """Load the identity and connect; without one, ask for enrolment first.

        Stored credentials that cannot be used (readable by others, damaged)
        also lead to enrolment, and the screen says why.
        """
        try:
            self.terminal = self._opener(self.config)
        except CredentialsMissing as exc:
            problem = exc if self.config.credentials_file.exists() else None
            self.push_screen(self.enrol_screen(problem), lambda _done: self.open_terminal())
            return
        if self.chinese_refused:
            self.notify(CHINESE_NEEDS_KIOSK, severity="warning", timeout=15)
        self.bump_status()
        self.watch_health()
        self.send_heartbeats()
        self.push_screen(self.startup_screen(), self.startup_done)

    def enrol_screen(self, problem: CredentialsMissing | None) -> Screen[object]:
        raise NotImplementedError

    def startup_screen(self) -> Screen[object]:
        raise NotImplementedError

    def startup_done(self, _result: object = None) -> None:
        """Start-up is over (what was in doubt is settled): payments may be taken."""

    def remember_backend_url(self, url: str) -> None:
        """After enrolment: keep the backend's address in the one configuration file.

        A first run creates the file; a file that names another address is
        left as it is, and the app says what to change in it.
        """
        self.config.backend.url = url
        source = self.config.source
        path = default_config_path() if source == "(defaults)" else Path(source)
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(f'[backend]\nurl = "{url}"\n', encoding="utf-8")
            self.config.source = str(path)
        elif url != load_config(path).backend.url:
            message = self.catalog.tr('Set [backend] url = "{url}" in {path}', url=url, path=path)
            self.notify(message, timeout=15)

    async def release(self) -> None:
        """Close what the app opened (each app adds its own)."""
        await self.hub.close()
        if self.terminal is not None:
            await self.terminal.close()

    async def on_unmount(self) -> None:
        await self.release()

    # -- the backend's health ------------------------------------------------------------------

    @work(exclusive=True, group="health", exit_on_error=False)
    async def watch_health(self) -> None:
        while self.terminal is not None:
            before = self.health
            self.health = await self.terminal.health()
            self.health_changed(before)
            self.bump_status()
            self._health_wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._health_wake.wait(), self.health_interval_s)

    @property
    def switched_off(self) -> bool:
        """Store IT switched this terminal off: no wallet payment, cash (and card) only."""
        return self.health is not None and self.health.health is Health.DISABLED

    # -- the heartbeat -------------------------------------------------------------------------

    @work(exclusive=True, group="heartbeat", exit_on_error=False)
    async def send_heartbeats(self) -> None:
        terminal = self.terminal
        assert terminal is not None
        self.heartbeat = HeartbeatLoop(
            terminal.client,
            self.heartbeat_report,
            on_answer=self._heartbeat_answered,
            on_refused=lambda _exc: self.check_health_now(),
        )
        await self.heartbeat.run()

    def heartbeat_report(self) -> dict[str, Any]:
        """What store IT sees of this terminal (each app may add to it)."""
        terminal = self.terminal
        assert terminal is not None
        return {
            "app": self.APP_NAME,
            "version": app_version(),
            "devices": [
                {
                    "kind": d.kind,
                    "url": safe_url(d.url or d.name),
                    "state": DeviceState.OK if d.ok else DeviceState.ERROR,
                    "error": "" if d.ok else d.detail[:128],
                    "last_scan_at": d.last_scan_at,
                }
                for d in self.device_statuses()[:16]
            ],
            "in_doubt": len(terminal.in_doubt()),
            "clock_offset_s": max(-(10**6), min(10**6, terminal.client.clock_offset_s)),
        }

    async def _heartbeat_answered(self, answer: HeartbeatResponse) -> None:
        if answer.rotate_secret and self.terminal is not None and not self.payment_running:
            await self.terminal.rotate_secret()

    def health_changed(self, before: BackendHealth | None) -> None:
        """Each new answer about the backend's health (``before``: the one it follows)."""

    def check_health_now(self) -> None:
        self._health_wake.set()

    @property
    def backend_down(self) -> bool:
        return self.health is not None and self.health.health is Health.UNREACHABLE

    # -- status ------------------------------------------------------------------------------

    def bump_status(self) -> None:
        self.status_version += 1
        devices = [(d.url or d.name, d.ok) for d in self.device_statuses()]
        if devices != self._devices_seen:  # a device changed: store IT hears at once
            self._devices_seen = devices
            if self.heartbeat is not None:
                self.heartbeat.poke()

    def device_statuses(self) -> list[DeviceStatus]:
        return self.hub.statuses()

    # -- scans and the keyboard wedge --------------------------------------------------------

    def _on_scan(self, scan: Scan) -> None:
        screen = self.screen
        if isinstance(screen, AppScreen) and screen.takes_scans() and not self.payment_running:
            screen.post_message(Scanned(scan))
        else:
            self.notify(self.catalog.tr(self.SCAN_IGNORED), severity="warning")

    async def on_event(self, event: events.Event) -> None:
        if not self.wedge_keys.holds(event):
            await super().on_event(event)

    # -- actions -----------------------------------------------------------------------------

    async def action_switch_language(self) -> None:
        if bare_console():  # no CJK glyphs in the console's font: say so, stay in English
            self.notify(CHINESE_NEEDS_KIOSK, severity="warning", timeout=8)
            return
        set_language("en" if current_language() == "zh" else "zh")
        for screen in self.screen_stack:
            if isinstance(screen, AppScreen):
                await screen.retranslate()
        self.bump_status()

    async def action_quit(self) -> None:
        if self.payment_running:
            self.notify(
                self.catalog.tr(
                    "A payment is running: wait for its result, or press Esc to stop it."
                )
            )
            return
        self.exit()
