"""``PdaApp``: the courier's handheld, a Textual app for a small screen and a handheld's keys.

Start-up, in order: show the round saved on the handheld (if any), open the
scan engine, load the handheld's identity (none: the enrolment screen),
settle every payment left in doubt by a crash, then fetch today's round and
start sending queued sign-offs. The backend's health is checked all the
time: the status line shows it, a payment is never attempted as if it
could wait, and sign-offs go out as soon as the backend is back.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import logging
from collections.abc import Callable
from typing import ClassVar

from textual import events, work
from textual.app import App
from textual.binding import Binding, BindingType
from textual.reactive import reactive

from appkit.devices import DeviceHub, DeviceStatus
from appkit.messages import Scanned
from appkit.wedgekeys import WedgeKeys
from drivers.scanner import Scan
from protocol.errors import ErrorCode, ScanPayError
from protocol.models import CodOrderList
from terminal_sdk.config import TerminalConfig
from terminal_sdk.credentials import CredentialsMissing
from terminal_sdk.terminal import BackendHealth, Health, Terminal

from .board import OrderRow, order_rows
from .i18n import N_, current_language, language_from_locale, set_language, tr
from .localstore import LocalStore, SignOff, SignOffState
from .screens.base import PdaScreen
from .signoffs import ORDER_REFUSALS, send_one, send_queued

__all__ = ["PdaApp", "TerminalOpener"]

log = logging.getLogger(__name__)

TerminalOpener = Callable[[TerminalConfig], Terminal]


def local_today() -> str:
    return datetime.date.today().isoformat()


class PdaApp(App[None]):
    """The handheld. ``opener`` makes the :class:`Terminal` (tests pass a shorter query profile)."""

    CSS_PATH = "pda.tcss"
    TITLE = "ScanPay PDA"
    ENABLE_COMMAND_PALETTE = False
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f1", "switch_language", N_("中文/EN")),
        Binding("ctrl+q", "quit", N_("Quit"), show=False),
    ]

    status_version: reactive[int] = reactive(0)
    round_version: reactive[int] = reactive(0)

    def __init__(
        self,
        config: TerminalConfig,
        *,
        opener: TerminalOpener | None = None,
        health_interval_s: float = 5.0,
        send_interval_s: float = 15.0,
        hotplug: bool = True,
        today: Callable[[], str] = local_today,
    ) -> None:
        super().__init__()
        self.config = config
        self._opener: TerminalOpener = opener or Terminal.open
        self.health_interval_s = health_interval_s
        self.send_interval_s = send_interval_s
        self.hotplug = hotplug
        self.today = today
        self.terminal: Terminal | None = None
        self.health: BackendHealth | None = None
        self.hub = DeviceHub(self._on_scan, self.bump_status)
        self.store = LocalStore(config.data_dir / "pda.db")
        self.round: CodOrderList | None = None
        self.round_fetched_at: float | None = None
        self.round_live = False  # fetched from the backend since this start
        self.round_problem: ErrorCode | None = None
        self.started = False  # in-doubt payments settled: payments may be taken
        self.payment_running = False
        self.wedge_keys = WedgeKeys(self)
        self._health_wake = asyncio.Event()
        self._send_wake = asyncio.Event()
        set_language(language_from_locale(config.terminal.language))

    # -- start-up --------------------------------------------------------------------------

    async def on_mount(self) -> None:
        from .screens.orders import OrdersScreen

        cached = self.store.cached_round(self.today())
        if cached is not None:
            self.round, self.round_fetched_at = cached.orders, cached.fetched_at
        await self.push_screen(OrdersScreen())
        await self.hub.start(self.config.devices.scanners)
        self.wedge_keys.attach(self.hub.wedge)
        if self.hotplug:
            self.run_worker(self.hub.follow_hotplug(), name="hotplug", exit_on_error=False)
        self.open_terminal()

    def open_terminal(self) -> None:
        """Load the identity and connect; without one, ask for enrolment first."""
        from .screens.enrol import EnrolScreen
        from .screens.startup import StartupScreen

        try:
            self.terminal = self._opener(self.config)
        except CredentialsMissing as exc:
            # not a first run: the stored identity cannot be used, and the screen says why
            problem = str(exc) if self.config.credentials_file.exists() else ""
            self.push_screen(EnrolScreen(problem), lambda _done: self.open_terminal())
            return
        self.bump_status()
        self.watch_health()
        self.push_screen(StartupScreen(), self._started)

    def _started(self, _result: object = None) -> None:
        self.started = True
        self.refresh_round()
        self.send_sign_offs()

    async def on_unmount(self) -> None:
        await self.hub.close()
        if self.terminal is not None:
            await self.terminal.close()
        self.store.close()

    # -- the backend's health ------------------------------------------------------------------

    @work(exclusive=True, group="health", exit_on_error=False)
    async def watch_health(self) -> None:
        while self.terminal is not None:
            was_ok = self.health is not None and self.health.ok
            self.health = await self.terminal.health()
            if self.health.ok and not was_ok and self.started:
                self.refresh_round()
                self._send_wake.set()
            self.bump_status()
            self._health_wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._health_wake.wait(), self.health_interval_s)

    def check_health_now(self) -> None:
        self._health_wake.set()

    @property
    def backend_down(self) -> bool:
        return self.health is not None and self.health.health is Health.UNREACHABLE

    # -- the round -----------------------------------------------------------------------------

    @work(exclusive=True, group="round", exit_on_error=False)
    async def refresh_round(self) -> None:
        """Fetch today's orders; on failure keep showing the saved list and say why."""
        if self.terminal is None:
            return
        try:
            fetched = await self.terminal.client.cod_orders(self.today())
        except ScanPayError as exc:
            self.round_problem = exc.code
            self.round_changed()
            self.check_health_now()
            return
        self.store.save_round(fetched)
        cached = self.store.cached_round(fetched.day)
        self.round = fetched
        self.round_fetched_at = cached.fetched_at if cached else None
        self.round_live = True
        self.round_problem = None
        self.round_changed()

    def rows(self) -> list[OrderRow]:
        if self.round is None:
            return []
        return order_rows(self.round.orders, self.store.sign_off, self._paid_trade)

    def row(self, order_no: str) -> OrderRow | None:
        return next((r for r in self.rows() if r.order_no == order_no), None)

    def _paid_trade(self, order_no: str) -> str | None:
        if self.terminal is None:
            return None
        entry = self.terminal.journal.paid_for_order(order_no)
        return entry.out_trade_no if entry else None

    def round_changed(self) -> None:
        self.round_version += 1
        self.bump_status()

    # -- sign-offs -----------------------------------------------------------------------------

    def queue_sign_off(self, sign_off: SignOff) -> SignOff:
        """On disk first; the caller then sends it (or the sender will)."""
        stored = self.store.queue_sign_off(sign_off)
        self.round_changed()
        return stored

    async def send_now(self, sign_off: SignOff) -> SignOff:
        """Try to send one sign-off at once; whatever happens it stays safe in the queue."""
        if self.terminal is not None and sign_off.state is SignOffState.QUEUED:
            code = await send_one(self.terminal.client, self.store, sign_off)
            if code is None or code in ORDER_REFUSALS:
                self.refresh_round()  # the backend's word on the order is news either way
            else:
                self.check_health_now()
        self.round_changed()
        return self.store.sign_off(sign_off.order_no) or sign_off

    @work(exclusive=True, group="send", exit_on_error=False)
    async def send_sign_offs(self) -> None:
        """Send the queue now, then whenever woken or every ``send_interval_s``."""
        while self.terminal is not None:
            if self.store.queued():
                report = await send_queued(self.terminal.client, self.store)
                if report.sent or report.refused:
                    self.refresh_round()
                    self.round_changed()
                if report.sent:
                    self.notify(tr("Sent {n} queued sign-off(s).", n=len(report.sent)), timeout=4)
                for order_no in report.refused:
                    self.notify(
                        tr("Sign-off of {order} was refused: open it.", order=order_no),
                        severity="error",
                        timeout=10,
                    )
            self._send_wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._send_wake.wait(), self.send_interval_s)

    # -- status ------------------------------------------------------------------------------

    def bump_status(self) -> None:
        self.status_version += 1

    def device_statuses(self) -> list[DeviceStatus]:
        return self.hub.statuses()

    def courier_words(self) -> str:
        if self.round is not None and self.round.courier_name:
            return self.round.courier_name
        if self.terminal is not None:
            return self.terminal.credentials.terminal_id
        return ""

    # -- scans and the keyboard wedge --------------------------------------------------------

    def _on_scan(self, scan: Scan) -> None:
        screen = self.screen
        if isinstance(screen, PdaScreen) and screen.takes_scans():
            screen.post_message(Scanned(scan))
        else:
            self.notify(tr("Scan ignored: open an order first."), severity="warning")

    async def on_event(self, event: events.Event) -> None:
        if not self.wedge_keys.holds(event):
            await super().on_event(event)

    # -- actions -----------------------------------------------------------------------------

    async def action_switch_language(self) -> None:
        set_language("en" if current_language() == "zh" else "zh")
        for screen in self.screen_stack:
            if isinstance(screen, PdaScreen):
                await screen.retranslate()
        self.bump_status()

    async def action_quit(self) -> None:
        if self.payment_running:
            self.notify(tr("A payment is running: wait for its result, or press Esc to stop it."))
            return
        self.exit()
