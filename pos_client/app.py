"""``PosApp``: the cashier's till, a Textual app driven from the keyboard alone.

Start-up, in order: open the scanners (and the PIN pad), load the terminal's
identity (no identity: the enrolment screen), settle every payment left in
doubt by a crash (and say so), then the sale screen. Scans from every
configured scanner reach whichever screen takes scans. The backend's health
is checked all the time for the status bar and for offline honesty.
"""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.screen import Screen

from appkit.app import DeviceEvents, TerminalApp, TerminalOpener
from appkit.devices import DeviceStatus
from appkit.i18n import current_language
from drivers.hotplug import watch_devices
from drivers.sim import SimScanner
from protocol.models import Tender
from terminal_sdk.config import TerminalConfig
from terminal_sdk.credentials import CredentialsMissing

from .i18n import CATALOG, N_, tr
from .payment import PaymentOrder, PaymentRun
from .pin import PadOpener, PadReader, PadUnavailable
from .sale import RemainderTender
from .screens.payment import PaymentScreen

__all__ = ["PosApp", "TerminalOpener"]

log = logging.getLogger(__name__)

DemoScan = Callable[[], Awaitable[str]]
SLOW_ANSWER_S = 0.3  # an answer slower than this shows the blocking payment screen


class PosApp(TerminalApp):
    """The till. ``opener`` makes the :class:`Terminal` (tests pass a shorter query profile);
    ``device_events`` is the hot-plug news (udev or polling by default)."""

    CSS_PATH = Path(__file__).parent / "pos.tcss"  # absolute: subclasses live elsewhere
    TITLE = "ScanPay POS"
    catalog = CATALOG
    SCAN_IGNORED = N_("Scan ignored: finish this screen first.")
    APP_NAME = "scanpay-pos"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f9", "switch_language", N_("中文/EN")),
        Binding("ctrl+q", "quit", N_("Quit")),
    ]

    def __init__(
        self,
        config: TerminalConfig,
        *,
        opener: TerminalOpener | None = None,
        pad: PadReader | None = None,
        pad_opener: PadOpener | None = None,
        health_interval_s: float = 5.0,
        device_events: DeviceEvents | None = watch_devices,
        demo_scan: DemoScan | None = None,
    ) -> None:
        super().__init__(
            config,
            opener=opener,
            health_interval_s=health_interval_s,
            pinpad_url=config.devices.pinpad,
        )
        self.pad = pad
        self.pad_problem = ""
        self.pad_opener = pad_opener
        self.device_events = device_events
        self.demo_scan = demo_scan
        self.payment: PaymentRun | None = None

    # -- start-up --------------------------------------------------------------------------

    async def on_mount(self) -> None:
        from .screens.sale import SaleScreen

        await self.push_screen(SaleScreen())
        if self.pad is None and self.config.devices.pinpad:
            await self.open_pad(self.config.devices.pinpad)
        await self.open_scanners(self.device_events)
        self.open_terminal()

    def enrol_screen(self, problem: CredentialsMissing | None) -> Screen[object]:
        from .screens.enrol import EnrolScreen

        return EnrolScreen(problem)

    def startup_screen(self) -> Screen[object]:
        from .screens.startup import StartupScreen

        return StartupScreen()

    async def open_pad(self, url: str) -> None:
        """Open the configured PIN pad; a pad that fails is shown, and PINs fall back to SMS."""
        if self.pad_opener is None:
            self.pad_problem = "no PIN pad driver"
        else:
            try:
                self.pad = await self.pad_opener(url)
            except PadUnavailable as exc:
                self.pad_problem = str(exc)
                self.notify(tr("PIN pad: {problem}", problem=exc), severity="error", timeout=10)
        self.bump_status()

    def show_on_pad(self, text: str) -> None:
        if self.pad is not None:
            self.run_worker(self.pad.show(text), group="pad-message", exit_on_error=False)

    async def release(self) -> None:
        if self.pad is not None:
            await self.pad.close()
        await super().release()

    # -- status ------------------------------------------------------------------------------

    def device_statuses(self) -> list[DeviceStatus]:
        out = super().device_statuses()
        url = self.config.devices.pinpad
        if self.pad is not None:
            ok = bool(getattr(self.pad, "ok", True))
            detail = str(getattr(self.pad, "detail", ""))
            out.append(DeviceStatus(tr("PIN pad"), ok, detail, kind="pinpad", url=url))
        elif url:
            out.append(DeviceStatus(tr("PIN pad"), False, self.pad_problem, kind="pinpad", url=url))
        return out

    def identity_words(self) -> list[str]:
        words = []
        if self.terminal is not None:
            words.append(tr("till {id}", id=self.terminal.credentials.terminal_id))
            shift = self.terminal.journal.current_shift()
            if shift is not None:
                words.append(tr("shift {n} ({cashier})", n=shift[0], cashier=shift[1] or "-"))
            else:
                words.append(tr("no shift open"))
        return words

    @property
    def reports_dir(self) -> Path:
        return self.config.data_dir / "reports"

    # -- payments --------------------------------------------------------------------------

    def start_payment(self, order: PaymentOrder, code: str) -> None:
        """Send the payment now; the blocking screen shows only if it has to wait."""
        run = PaymentRun(order, code, self.pad, self._payment_changed)
        self.payment = run
        self.payment_running = True
        self.run_worker(self._pay(run), group="payment")

    async def _pay(self, run: PaymentRun) -> None:
        from .screens.result import ResultScreen

        assert self.terminal is not None
        slow = self.set_timer(SLOW_ANSWER_S, lambda: self._show_payment(run))
        try:
            result = await run.run(self.terminal)
        except BaseException:
            self.payment_running = False
            raise
        finally:
            slow.stop()
            self.payment = None
        if result.paid:
            for part in run.order.other_tenders:
                if part.tender in (Tender.CASH, Tender.BANK_CARD):
                    tender = RemainderTender(part.tender.value)
                    self.record_tender(run.order.order_no, tender, part.amount_fen)
        else:
            self.check_health_now()
        self.show_on_pad(result.message(current_language()))
        # still "running" until the result is on screen (ResultScreen.on_mount): a scan meanwhile
        # must not reach the screen being replaced
        screen = ResultScreen(result, run.order)
        if isinstance(self.screen, PaymentScreen | ResultScreen):
            self.switch_screen(screen)
        else:
            self.push_screen(screen)

    def result_shown(self) -> None:
        self.payment_running = False

    def _payment_changed(self, run: PaymentRun) -> None:
        if isinstance(self.screen, PaymentScreen):
            self.screen.show()
        elif run.waiting:
            self._show_payment(run)

    def _show_payment(self, run: PaymentRun) -> None:
        if self.payment is run and not isinstance(self.screen, PaymentScreen):
            self.push_screen(PaymentScreen(run))

    def stop_payment(self) -> None:
        if self.payment is not None:
            self.payment.stop()

    # -- the sale's bookkeeping --------------------------------------------------------------

    def journal_shift(self) -> tuple[int, str, float] | None:
        return self.terminal.journal.current_shift() if self.terminal is not None else None

    def new_order_no(self) -> str:
        """The sale's number: groups its payments and tender lines in the journal and reports.

        Made here rather than by the journal's counter: it is a label, not a
        request number the backend deduplicates on, so it needs no disk write
        of its own before the payment (time to the second + 40 random bits).
        """
        return f"S{time.strftime('%y%m%d%H%M%S')}{secrets.token_hex(5)}"

    def record_tender(self, order_no: str, tender: RemainderTender, amount_fen: int) -> None:
        """Cash or bank card taken by the till itself joins the shift's totals."""
        assert self.terminal is not None
        if amount_fen > 0:
            self.terminal.journal.add_tender_line(order_no, tender.value, amount_fen)

    def back_to_sale(self, *, clear: bool) -> None:
        from .screens.sale import SaleScreen

        while len(self.screen_stack) > 1 and not isinstance(self.screen, SaleScreen):
            self.pop_screen()
        if isinstance(self.screen, SaleScreen):
            if clear:
                self.screen.new_sale()
            self.screen.on_screen_resume()

    async def run_demo_scan(self) -> None:
        """Demo only: fetch the demo customer's current code and 'scan' it with the sim scanner."""
        if self.demo_scan is None:
            return
        try:
            code = await self.demo_scan()
        except Exception as exc:  # the demo's own HTTP call: say what failed
            self.notify(
                tr("Demo: could not get the customer's code: {why}", why=exc), severity="error"
            )
            return
        for scanner in self.hub.scanners.values():
            if isinstance(scanner, SimScanner):
                scanner.scan(code)
                return
        self.notify(tr("Demo: no sim: scanner is configured."), severity="error")
