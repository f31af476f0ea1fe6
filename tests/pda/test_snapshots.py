"""How the handheld's main screens look at 40x20, in English and in Chinese (SVG snapshots).

These pin the layout only; what the screens do is tested against the real
backend by the pilot tests. To be the same on every run they show fixed
data: a handheld with a fixed identity whose backend is not there (its
health is then set by hand), a round saved on it, and fixed results.
Refresh after a deliberate change with ``make pda-snapshots``, then look at
the SVGs before committing them.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from appkit.i18n import set_language
from pda_client.app import PdaApp
from pda_client.localstore import LocalStore, SignOff
from pda_client.screens.order import OrderScreen
from pda_client.screens.orders import OrdersScreen
from pda_client.screens.payment import PaymentScreen
from pda_client.screens.result import ResultScreen
from pda_client.screens.signoff import SignOffScreen
from pda_client.widgets.pinentry import PinEntry
from protocol.errors import ErrorCode
from protocol.models import CodOrderList, CodOrderView, CodStatus, TradeState, TradeView
from protocol.paycode import Issuer
from terminal_sdk.config import TerminalConfig
from terminal_sdk.credentials import Credentials
from terminal_sdk.session import EventKind, Outcome, PaymentResult, PinRequest
from terminal_sdk.terminal import BackendHealth, Health, Terminal

from .pilot import wait_for

DAY = "2026-11-24"
CODE = "811234567890123452"
NUMBER = "P261124153000000123a4f2"


def cod(no: int, recipient: str, amount_fen: int, status=CodStatus.TO_COLLECT, **extra):
    return CodOrderView(
        order_no=f"COD20261124-{no}",
        day=DAY,
        recipient=recipient,
        address="8 Park Road, flat 3" if no in (1, 3) else "21 River Street",
        amount_fen=amount_fen,
        status=status,
        **extra,
    )


ROUND = CodOrderList(
    courier_id="C0001",
    courier_name="Chen Jie",
    day=DAY,
    orders=[
        cod(1, "Li Wei", 6_800, CodStatus.SIGNED_OFF, out_trade_no=NUMBER, signed_by="Li Wei"),
        cod(2, "王芳", 1_550),
        cod(3, "Li Wei", 26_800, CodStatus.PAID, out_trade_no=NUMBER),
        cod(4, "Zhao Lei", 4_200),
    ],
)
TRADE = TradeView(
    out_trade_no=NUMBER,
    trade_no="SP0001",
    state=TradeState.SUCCESS,
    issuer=Issuer.POINTS,
    amount_fen=1_550,
    points=1_550,
    balance_points=8_450,
)


def handheld(tmp_path: Path, lang: str, *, queued: bool = False) -> PdaApp:
    config = TerminalConfig.model_validate(
        {
            "backend": {"url": "http://127.0.0.1:9", "connect_timeout_s": 0.5},
            "terminal": {"data_dir": str(tmp_path), "language": lang},
            "devices": {"scanners": ["sim:?name=scan"]},
        }
    )
    store = LocalStore(config.data_dir / "pda.db")
    store.save_round(ROUND, fetched_at=1_795_000_000.0)  # 08:26 UTC
    if queued:
        store.queue_sign_off(SignOff("COD20261124-4", "Zhao Lei", 4_200, paid_cash=True))
    store.close()
    creds = Credentials(terminal_id="T0001", secret="x" * 32, kind="pda")
    return PdaApp(
        config,
        opener=lambda c: Terminal(c, creds),
        hotplug=False,
        health_interval_s=3600,
        send_interval_s=3600,
        today=lambda: DAY,
    )


async def settle(pilot, health: Health = Health.OK) -> None:
    """Wait for start-up and the (failing) first fetch, then show the health as given."""
    app = pilot.app
    await wait_for(pilot, lambda: app.started and app.health is not None, what="start-up")
    await wait_for(pilot, lambda: app.round_problem is not None, what="the first fetch")
    await wait_for(pilot, lambda: isinstance(app.screen, OrdersScreen), what="the round")
    app.health = BackendHealth(health)
    if health is Health.OK:
        app.round_live, app.round_problem = True, None
    app.round_changed()
    await pilot.pause()


class StillPayment(PaymentScreen):
    """The payment screen frozen in one state: no session runs, the clock stands still."""

    def pay(self) -> None:  # type: ignore[override]
        pass

    def clock(self) -> float:
        return 1000.0


async def orders(pilot) -> None:
    await settle(pilot)


async def orders_offline(pilot) -> None:
    await settle(pilot, Health.UNREACHABLE)


async def order_offline(pilot) -> None:
    await settle(pilot, Health.UNREACHABLE)
    await pilot.press("2")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, OrderScreen))
    await pilot.pause()


async def pin_entry(pilot) -> None:
    await settle(pilot)
    screen = StillPayment(ROUND.orders[2], CODE)
    await pilot.app.push_screen(screen)
    screen.kind = EventKind.WAITING_FOR_PIN
    screen.deadline = 1078.0
    request = PinRequest(26_800, 5, "T0001:" + NUMBER, "PEM", locked=False, seconds_left=78)
    screen.run_worker(screen.ask_pin(request), group="pin")
    await wait_for(pilot, lambda: screen.query_one("#pin", PinEntry).has_focus)
    await pilot.press("1", "2", "3")


async def paid(pilot) -> None:
    await settle(pilot)
    result = PaymentResult(Outcome.PAID, out_trade_no=NUMBER, trade=TRADE)
    await pilot.app.push_screen(ResultScreen(result, ROUND.orders[1]))


async def not_charged(pilot) -> None:
    await settle(pilot)
    result = PaymentResult(Outcome.NOT_CHARGED, ErrorCode.INSUFFICIENT_BALANCE, NUMBER)
    await pilot.app.push_screen(ResultScreen(result, ROUND.orders[1]))


async def sign_off_saved(pilot) -> None:
    await settle(pilot, Health.UNREACHABLE)
    screen = SignOffScreen(ROUND.orders[3], out_trade_no=None)
    await pilot.app.push_screen(screen)
    await pilot.pause()
    await pilot.press("enter")
    await wait_for(pilot, lambda: screen.outcome is not None and not screen.sending)
    await pilot.pause()


SCREENS = {
    "orders": (orders, False),
    "orders-offline-queued": (orders_offline, True),
    "order-offline": (order_offline, False),
    "pin-entry": (pin_entry, False),
    "paid": (paid, False),
    "not-charged": (not_charged, False),
    "sign-off-saved": (sign_off_saved, False),
}


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("name", list(SCREENS))
def test_screen_looks_as_approved(snap_compare, tmp_path, utc, name, lang):
    set_language(lang)
    run_before, queued = SCREENS[name]
    app = handheld(tmp_path, lang, queued=queued)
    assert snap_compare(app, run_before=run_before, terminal_size=(40, 20))
