"""How the main screens look at 80x24, in English and in Chinese (SVG snapshots).

These pin the layout only; what the screens do is tested against the real
backend by the pilot tests. To be the same on every run they show fixed
data: a till with a fixed identity whose backend is not contacted (its
health is set), and results, trades and reports made with fixed values.
Refresh after a deliberate change with ``make pos-snapshots``, then look at
the SVGs before committing them.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from textual.widgets import Input

from appkit.i18n import current_language, set_language
from pos_client.app import PosApp
from pos_client.i18n import tr
from pos_client.payment import PaymentOrder, PaymentRun
from pos_client.sale import RemainderTender, SalePlan
from pos_client.screens.enrol import EnrolScreen
from pos_client.screens.payment import PaymentScreen
from pos_client.screens.refund import RefundScreen
from pos_client.screens.result import ResultScreen, TenderResultScreen
from pos_client.screens.sale import SaleScreen
from pos_client.screens.shift import ShiftScreen
from pos_client.screens.startup import StartupScreen
from protocol.errors import ErrorCode, message_for
from protocol.models import TradeState, TradeView
from protocol.paycode import Issuer
from terminal_sdk.config import TerminalConfig
from terminal_sdk.credentials import Credentials
from terminal_sdk.journal import Journal
from terminal_sdk.session import EventKind, Outcome, PaymentResult
from terminal_sdk.shift import ShiftReport, TenderTotals
from terminal_sdk.terminal import BackendHealth, Health, Terminal

from .pilot import closed_port_url

CODE = "811234567890123452"
NUMBER = "P261124153000000123a4f2"
TRADE = TradeView(
    out_trade_no=NUMBER,
    trade_no="T000123",
    state=TradeState.SUCCESS,
    issuer=Issuer.POINTS,
    amount_fen=1250,
    points=1250,
    balance_points=8750,
    code_masked="81************3452",
    created_at=1795000000,
)
ORDER = PaymentOrder("S261124153000000122b1c9", SalePlan(1250, 1250, RemainderTender.CASH), 1250)


class IdlePad:
    """A PIN pad that is there (for the status bar and the mirror) but is never asked here."""

    ok = True
    detail = "PIN pad"

    async def read(self, request, on_digits):
        raise AssertionError("no payment runs in a snapshot")

    async def show(self, text: str) -> None:
        pass

    async def close(self) -> None:
        pass


def till(tmp_path: Path, lang: str, cashier: str = "Mei") -> PosApp:
    config = TerminalConfig.model_validate(
        {
            "backend": {"url": closed_port_url()},
            "terminal": {"data_dir": str(tmp_path), "language": lang},
            "devices": {"scanners": ["sim:?name=scanner"]},
        }
    )
    journal = Journal(config.journal_path)
    journal.open_shift(cashier)
    journal.close()
    creds = Credentials(terminal_id="T0001", secret="x" * 32)
    return PosApp(
        config,
        opener=lambda c: Terminal(c, creds),
        pad=IdlePad(),
        device_events=None,
        health_interval_s=3600,
    )


async def settle(pilot, health: Health = Health.OK) -> None:
    """Wait for start-up, then show the backend's health as given."""
    app = pilot.app
    async with asyncio.timeout(10):
        while app.health is None or not isinstance(app.screen, SaleScreen):
            await pilot.pause(0.05)
    app.health = BackendHealth(health)
    app.bump_status()
    await pilot.pause()


class StillPayment(PaymentRun):
    """A payment frozen in one state: no session runs, the clock stands still."""

    def clock(self) -> float:
        return 1000.0


def sale(amount: str):
    async def run(pilot) -> None:
        await settle(pilot)
        await pilot.press(*amount, "enter")

    return run


async def offline(pilot) -> None:
    await settle(pilot, Health.UNREACHABLE)


async def waiting_for_pin(pilot) -> None:
    await settle(pilot)
    payment = StillPayment(ORDER, CODE, pilot.app.pad, lambda _run: None)
    payment.kind = EventKind.WAITING_FOR_PIN
    payment.attempts_left = 4
    payment.digits = 2
    payment.deadline = 1046.0
    await pilot.app.push_screen(PaymentScreen(payment))
    await pilot.pause()


async def paid(pilot) -> None:
    await settle(pilot)
    result = PaymentResult(Outcome.PAID, out_trade_no=NUMBER, trade=TRADE)
    await pilot.app.push_screen(ResultScreen(result, ORDER))


async def not_charged(pilot) -> None:
    await settle(pilot)
    result = PaymentResult(Outcome.NOT_CHARGED, ErrorCode.CODE_EXPIRED, out_trade_no=NUMBER)
    await pilot.app.push_screen(ResultScreen(result, ORDER))


async def refund_confirm(pilot) -> None:
    await settle(pilot)
    screen = RefundScreen()
    await pilot.app.push_screen(screen)
    screen.trade = TRADE
    screen.order_no = ORDER.order_no
    screen.query_one("#trade-no", Input).value = NUMBER
    screen.query_one("#refund-amount", Input).value = "5"
    screen.action_confirm()
    await pilot.pause()


async def z_report(pilot) -> None:
    await settle(pilot)
    screen = ShiftScreen()
    await pilot.app.push_screen(screen)
    report = ShiftReport("Z", 1, "Mei", 1795000000.0, printed_at=1795030000.0)
    report.totals = {
        "cash": TenderTotals("cash", 3, 2250, 0, 0),
        "points": TenderTotals("points", 2, 2250, 1, 500),
    }
    report.counted = {"cash": 2200, "bank_card": 0}
    screen.report = report
    screen.say("Shift closed. Z report saved to {path}", path="data/reports/Z-shift1.txt")
    screen.after_retranslate()
    await pilot.pause()


class SettledStartup(StartupScreen):
    """The start-up screen after settling two payments a crash left in doubt."""

    def settle(self) -> None:  # type: ignore[override]
        self.lines = [
            "P261124152959000121a0b1  CNY 8.00  "
            + tr("PAID")
            + ": "
            + tr("The customer has paid."),
            "P261124152959000122c3d4  CNY 3.50  "
            + tr("NOT CHARGED")
            + ": "
            + message_for(ErrorCode.PAYMENT_TIMED_OUT, current_language()),
        ]
        self.done = True
        self.summary = (
            tr(
                "Settled {p} payment(s) and {r} refund(s) left in doubt; "
                "{w} still wait for the backend.",
                p=2,
                r=0,
                w=0,
            )
            + "  "
            + tr("Enter: continue.")
        )
        self.show()


async def starting(pilot) -> None:
    await settle(pilot)
    await pilot.app.push_screen(SettledStartup())
    await pilot.pause()


async def enrolling(pilot) -> None:
    await settle(pilot)
    screen = EnrolScreen()
    await pilot.app.push_screen(screen)
    screen.query_one("#url", Input).value = "http://127.0.0.1:8700"
    await pilot.pause()


async def cash_taken(pilot) -> None:
    await settle(pilot)
    await pilot.app.push_screen(TenderResultScreen(2250, RemainderTender.CASH, ORDER.order_no))


SCREENS = {
    "sale": sale("12.50"),
    "sale-offline": offline,
    "waiting-for-pin": waiting_for_pin,
    "paid": paid,
    "not-charged": not_charged,
    "refund-confirm": refund_confirm,
    "z-report": z_report,
    "enrol": enrolling,
    "startup-settled": starting,
    "cash-taken": cash_taken,
}


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("name", list(SCREENS))
def test_screen_looks_as_approved(snap_compare, tmp_path, utc, name, lang):
    set_language(lang)
    assert snap_compare(till(tmp_path, lang), run_before=SCREENS[name], terminal_size=(80, 24))
