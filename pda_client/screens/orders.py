"""Today's round: every order with its amount and where it stands; pick one to deliver.

Arrows and Enter, or the order's number key (1-9). Without a connection the
list saved on the handheld is shown, with the time it was fetched.
"""

from __future__ import annotations

import time
from typing import ClassVar

from rich.cells import cell_len
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from appkit.console import glyph
from appkit.i18n import current_language
from protocol.errors import message_for
from protocol.money import format_fen

from ..board import OrderRow, Step
from ..i18n import N_, tr
from .base import PdaScreen

__all__ = ["OrdersScreen", "step_words"]

WIDTH = 36  # an order's line, beside the list's scrollbar


def step_words(row: OrderRow) -> tuple[str, str]:
    """(what the courier reads, style) for where an order stands."""
    return {
        Step.TO_COLLECT: (tr("to collect"), "bold yellow"),
        Step.PAID: (tr("paid · sign off").replace("·", glyph("dot")), "bold cyan"),
        Step.QUEUED: (tr("signed off · not sent yet").replace("·", glyph("dot")), "green"),
        Step.REFUSED: (tr("sign-off refused"), "bold red"),
        Step.SIGNED_OFF: (tr("signed off"), "green"),
    }[row.step]


def _line(left: str, right: str, width: int = WIDTH) -> str:
    """``left`` and ``right`` on one line of ``width`` cells (names may be double-width)."""
    room = width - cell_len(right) - 1
    while cell_len(left) > room:
        left = left[:-1]
    return left + " " * (width - cell_len(left) - cell_len(right)) + right


def order_prompt(index: int, row: OrderRow) -> Text:
    order = row.order
    words, style = step_words(row)
    text = Text(_line(f"{index} {order.recipient}", format_fen(order.amount_fen)), style="bold")
    text.append("\n  ")
    text.append(words, style=style)
    return text


class RoundList(OptionList):
    """The orders; Enter opens the highlighted one (and says so in the key bar)."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("enter", "select", N_("Open"))]


class OrdersScreen(PdaScreen):
    TITLE_TEXT = N_("Today's orders")
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f2", "refresh", N_("Refresh")),
        *[Binding(str(n), f"open_number({n})", show=False) for n in range(1, 10)],
    ]

    def body(self) -> ComposeResult:
        yield Static(id="round-head", markup=False)
        yield RoundList(id="orders")

    def on_mount(self) -> None:
        super().on_mount()
        self.round_changed()
        self.query_one("#orders", OptionList).focus()

    def on_screen_resume(self) -> None:
        self.round_changed()

    def after_retranslate(self) -> None:
        self.round_changed()

    def round_changed(self) -> None:
        app = self.pda
        rows = app.rows()
        listing = self.query_one("#orders", OptionList)
        highlighted = listing.highlighted
        listing.clear_options()
        listing.add_options(
            Option(order_prompt(n, row), id=row.order_no) for n, row in enumerate(rows, start=1)
        )
        if rows:
            listing.highlighted = min(highlighted or 0, len(rows) - 1)
        self.query_one("#round-head", Static).update(self.head_text(rows))

    def head_text(self, rows: list[OrderRow]) -> str:
        app = self.pda
        if app.round is None:
            if app.round_problem is not None:
                return message_for(app.round_problem, current_language())
            return tr("Fetching today's orders...")
        if app.round.courier_id is None:
            return tr("This handheld is not enrolled for a courier: no orders.")
        lines = [
            tr(
                "{day}: {n} orders, {left} left",
                day=app.round.day[5:],
                n=len(rows),
                left=sum(1 for r in rows if not r.step.done),
            )
        ]
        if not app.round_live or app.round_problem is not None:
            fetched = time.strftime("%H:%M", time.localtime(app.round_fetched_at or 0))
            lines.append(tr("Offline: list saved at {time}", time=fetched))
        elif not rows:
            lines.append(tr("No orders for today."))
        return "\n".join(lines)

    @on(OptionList.OptionSelected, "#orders")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        if event.option.id is not None:
            self.open_order(event.option.id)

    def action_open_number(self, number: int) -> None:
        rows = self.pda.rows()
        if 1 <= number <= len(rows):
            self.query_one("#orders", OptionList).highlighted = number - 1
            self.open_order(rows[number - 1].order_no)

    def open_order(self, order_no: str) -> None:
        from .order import OrderScreen

        self.app.push_screen(OrderScreen(order_no))

    def action_refresh(self) -> None:
        self.pda.refresh_round()
        self.pda.check_health_now()
