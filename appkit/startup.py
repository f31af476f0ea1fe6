"""Start-up: settle every payment (and refund) a crash left in doubt before a new one, and say so.

The app shows this screen once its terminal is open. It lists each payment
as the backend settled it; with nothing left in doubt it goes at once, else
it stays with its summary until Enter, so that no new payment is taken
before someone has seen what happened to the old ones. Each app words the
lines and the summary for its screen (:meth:`StartupScreen.result_lines`,
:meth:`StartupScreen.summary_of`).
"""

from __future__ import annotations

import contextlib
from typing import ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import Static

from protocol.errors import ScanPayError
from terminal_sdk.journal import PaymentEntry
from terminal_sdk.session import PaymentResult
from terminal_sdk.terminal import SettleReport, Terminal

from .i18n import N_
from .screen import AppScreen

__all__ = ["StartupScreen"]


class StartupScreen(AppScreen):
    TITLE_TEXT = N_("Starting")
    BINDINGS: ClassVar[list[BindingType]] = [Binding("enter", "continue", N_("Continue"))]
    #: what the screen says while the backend is asked (a message of the catalog)
    SETTLING: ClassVar[str]
    #: how many of the latest settled lines fit on the screen
    SHOWN_LINES: ClassVar[int]

    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []
        self.done = False
        self.summary = ""

    def body(self) -> ComposeResult:
        with Vertical(id="startup"):
            yield Static(id="startup-head", markup=False)
            yield Static(id="startup-lines", markup=False)

    def on_mount(self) -> None:
        self.show()
        self.settle()

    def after_retranslate(self) -> None:
        self.show()

    def show(self) -> None:
        head = self.summary if self.done else self.tr(self.SETTLING)
        self.query_one("#startup-head", Static).update(head)
        self.query_one("#startup-lines", Static).update("\n".join(self.lines[-self.SHOWN_LINES :]))

    @work(exclusive=True)
    async def settle(self) -> None:
        terminal = self.kit.terminal
        assert terminal is not None
        self.before_settling(terminal)
        with contextlib.suppress(ScanPayError):  # unreachable: both secrets kept, tried next time
            await terminal.finish_rotation()  # a secret rotation a crash cut short, first
        report = await terminal.settle(on_result=self._settled)
        self.done = True
        if not report.payments and not report.refunds:
            self.dismiss(True)
            return
        self.summary = self.summary_of(report)
        self.show()
        self.settled(report)

    def _settled(self, entry: PaymentEntry, result: PaymentResult) -> None:
        self.lines += self.result_lines(entry, result)
        self.show()

    def outcome(self, result: PaymentResult) -> str:
        return self.tr("PAID") if result.paid else self.tr("NOT CHARGED")

    def before_settling(self, terminal: Terminal) -> None:
        """Anything to say before the backend is asked."""

    def result_lines(self, entry: PaymentEntry, result: PaymentResult) -> list[str]:
        raise NotImplementedError

    def summary_of(self, report: SettleReport) -> str:
        raise NotImplementedError

    def settled(self, report: SettleReport) -> None:
        """Something was settled and the summary is on screen."""

    def action_continue(self) -> None:
        if self.done:
            self.dismiss(True)
