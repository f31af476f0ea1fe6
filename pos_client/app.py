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
from appkit.printing import TillPrinter
from drivers.hotplug import watch_devices
from drivers.sim import SimScanner
from drivers.voice import BadVoiceUrl, Voice, open_voice
from protocol.models import RefundView, Tender, TradeView
from terminal_sdk.config import TerminalConfig
from terminal_sdk.credentials import CredentialsMissing
from terminal_sdk.receipts import Receipt, ReceiptKind, TenderPaid
from terminal_sdk.shift import ShiftReport
from terminal_sdk.spoken import spoken_result

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
        printer_poll_s: float = 2.0,
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
        self.printing: TillPrinter | None = None
        if config.devices.printer:
            self.printing = TillPrinter(
                config.devices.printer, config.data_dir, self.bump_status, poll_s=printer_poll_s
            )
            self.hub.claimed.append(config.devices.printer)
        self.voice: Voice | None = None
        self.voice_problem = ""
        if config.devices.voice:
            try:
                self.voice = open_voice(config.devices.voice, lang=current_language())
            except BadVoiceUrl as exc:
                self.voice_problem = str(exc).splitlines()[0]

    # -- start-up --------------------------------------------------------------------------

    async def on_mount(self) -> None:
        from .screens.sale import SaleScreen

        await self.push_screen(SaleScreen())
        if self.printing is not None:
            self.printing.start()
        if self.voice_problem:
            self.notify(
                tr("voice: {problem}", problem=self.voice_problem), severity="error", timeout=10
            )
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
        if self.printing is not None:
            await self.printing.close()
        if self.voice is not None:
            await self.voice.close()
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
        if self.printing is not None:
            out.append(self.printing.device_status(CATALOG))
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
            if not run.order.wallet_remainder_due:
                self.sale_complete(run.order.order_no, result.trade)
        else:
            self.check_health_now()
        self.show_on_pad(result.message(current_language()))
        if self.voice is not None:
            self.voice.say(
                spoken_result(result.paid, run.order.amount_fen, result.reason, self.voice.lang)
            )
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
            if tender is RemainderTender.CASH:
                self.open_drawer()

    # -- the printer and the drawer ------------------------------------------------------------

    def open_drawer(self) -> None:
        if self.printing is not None:
            self.printing.pulse_drawer()

    def receipt_header(self) -> dict[str, object]:
        assert self.terminal is not None
        shift = self.journal_shift()
        creds = self.terminal.credentials
        return {
            "lang": current_language(),
            "store": creds.store_id,
            "till": creds.terminal_id,
            "cashier": shift[1] if shift else "",
        }

    def sale_complete(
        self, order_no: str, trade: TradeView | None = None, *, cash_given_fen: int | None = None
    ) -> None:
        """The sale is paid in full: its receipt is queued (it prints when the printer can)."""
        if self.printing is None or self.terminal is None:
            return
        journal = self.terminal.journal
        parts = [
            TenderPaid(tender=p.issuer or "points", amount_fen=p.amount_fen,
                       payment_no=p.out_trade_no, code_masked=p.code_masked, points=p.points)
            for p in journal.paid_payments(order_no)
        ]  # fmt: skip
        parts += [TenderPaid(tender=t, amount_fen=f) for t, f in journal.till_tenders(order_no)]
        receipt = Receipt(
            kind=ReceiptKind.SALE,
            reference=order_no,
            amount_fen=sum(p.amount_fen for p in parts),
            parts=parts,
            balance_points=trade.balance_points if trade else None,
            cash_given_fen=cash_given_fen,
            card_balance_fen=(
                trade.balance_card_fen if trade and any(p.tender == "card" for p in parts) else None
            ),
            **self.receipt_header(),
        )
        self.printing.submit(receipt)

    def refund_done(self, view: RefundView) -> None:
        """A refund went through: its receipt is queued; cash to give back opens the drawer."""
        parts = [TenderPaid(tender=p.tender.value, amount_fen=p.amount_fen) for p in view.parts]
        if any(p.tender == "cash" for p in parts):
            self.open_drawer()
        if self.printing is None:
            return
        receipt = Receipt(
            kind=ReceiptKind.REFUND,
            reference=view.out_refund_no,
            amount_fen=view.amount_fen,
            parts=parts,
            payment_no=view.out_trade_no,
            **self.receipt_header(),
        )
        self.printing.submit(receipt)

    def print_report(self, report: ShiftReport, text: str) -> None:
        """An X or Z report on paper: the same text as its file."""
        if self.printing is not None:
            reference = f"{report.kind}-{report.shift_id}-{report.printed_at:.3f}"
            self.printing.submit(
                Receipt(kind=ReceiptKind.REPORT, reference=reference, report_text=text)
            )

    def reprint_last(self) -> bool:
        return self.printing is not None and self.printing.reprint_last() is not None

    def no_sale(self) -> None:
        """Open the drawer without a sale; the shift report counts it."""
        assert self.terminal is not None
        self.terminal.journal.add_no_sale()
        self.open_drawer()

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
