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
from typing import Any, ClassVar

from textual import work
from textual.binding import Binding, BindingType
from textual.reactive import reactive
from textual.screen import Screen

from appkit.app import TerminalApp, TerminalOpener
from appkit.devices import DeviceStatus
from appkit.i18n import current_language
from appkit.printing import TillPrinter
from drivers.hotplug import watch_devices
from protocol.errors import ErrorCode, ScanPayError
from protocol.models import CodOrderList
from terminal_sdk.config import TerminalConfig
from terminal_sdk.credentials import CredentialsMissing
from terminal_sdk.receipts import Receipt, ReceiptKind, TenderPaid
from terminal_sdk.terminal import BackendHealth

from .board import OrderRow, order_rows
from .i18n import CATALOG, N_, tr
from .localstore import LocalStore, SignOff, SignOffState
from .signoffs import ORDER_REFUSALS, send_one, send_queued

__all__ = ["PdaApp", "TerminalOpener"]

log = logging.getLogger(__name__)


def local_today() -> str:
    return datetime.date.today().isoformat()


class PdaApp(TerminalApp):
    """The handheld. ``opener`` makes the :class:`Terminal` (tests pass a shorter query profile)."""

    CSS_PATH = "pda.tcss"
    TITLE = "ScanPay PDA"
    catalog = CATALOG
    SCAN_IGNORED = N_("Scan ignored: open an order first.")
    APP_NAME = "scanpay-pda"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f1", "switch_language", N_("中文/EN")),
        Binding("ctrl+q", "quit", N_("Quit"), show=False),
    ]

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
        super().__init__(config, opener=opener, health_interval_s=health_interval_s)
        self.send_interval_s = send_interval_s
        self.hotplug = hotplug
        self.today = today
        self.store = LocalStore(config.data_dir / "pda.db")
        self.round: CodOrderList | None = None
        self.round_fetched_at: float | None = None
        self.round_live = False  # fetched from the backend since this start
        self.round_problem: ErrorCode | None = None
        self.started = False  # in-doubt payments settled: payments may be taken
        self._send_wake = asyncio.Event()
        self.printing: TillPrinter | None = None
        if config.devices.printer:  # a handheld's own printer: COD sign-off slips
            self.printing = TillPrinter(config.devices.printer, config.data_dir, self.bump_status)

    # -- start-up --------------------------------------------------------------------------

    async def on_mount(self) -> None:
        from .screens.orders import OrdersScreen

        cached = self.store.cached_round(self.today())
        if cached is not None:
            self.round, self.round_fetched_at = cached.orders, cached.fetched_at
        await self.push_screen(OrdersScreen())
        if self.printing is not None:
            self.printing.start()
        await self.open_scanners(watch_devices if self.hotplug else None)
        self.open_terminal()

    def enrol_screen(self, problem: CredentialsMissing | None) -> Screen[object]:
        from .screens.enrol import EnrolScreen

        return EnrolScreen(problem)

    def startup_screen(self) -> Screen[object]:
        from .screens.startup import StartupScreen

        return StartupScreen()

    def startup_done(self, _result: object = None) -> None:
        self.started = True
        self.refresh_round()
        self.send_sign_offs()

    async def release(self) -> None:
        if self.printing is not None:
            await self.printing.close()
        await super().release()
        self.store.close()

    def heartbeat_report(self) -> dict[str, Any]:
        return {**super().heartbeat_report(), "queued_signoffs": len(self.store.queued())}

    # -- the backend's health ------------------------------------------------------------------

    def health_changed(self, before: BackendHealth | None) -> None:
        """Back online: fetch the round again and send the queued sign-offs at once."""
        was_ok = before is not None and before.ok
        if self.health is not None and self.health.ok and not was_ok and self.started:
            self.refresh_round()
            self._send_wake.set()

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

    def print_sign_off(self, sign_off: SignOff) -> None:
        """The COD sign-off slip, when the handheld has a printer: who took it, how it was paid."""
        if self.printing is None or self.terminal is None:
            return
        cash = TenderPaid(tender="cash", amount_fen=sign_off.amount_fen)
        self.printing.submit(
            Receipt(
                kind=ReceiptKind.SIGNOFF,
                reference=sign_off.order_no,
                lang=current_language(),
                till=self.terminal.credentials.terminal_id,
                cashier=self.courier_words(),
                amount_fen=sign_off.amount_fen,
                parts=[cash] if sign_off.paid_cash else [],
                payment_no=sign_off.out_trade_no or "",
                recipient=sign_off.recipient_name,
            )
        )

    def device_statuses(self) -> list[DeviceStatus]:
        out = super().device_statuses()
        if self.printing is not None:
            out.append(self.printing.device_status(CATALOG))
        return out

    # -- status ------------------------------------------------------------------------------

    def courier_words(self) -> str:
        if self.round is not None and self.round.courier_name:
            return self.round.courier_name
        if self.terminal is not None:
            return self.terminal.credentials.terminal_id
        return ""
