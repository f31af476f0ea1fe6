"""The shift: open it, read the X report, count the drawer and close it with the Z report.

Both reports are :func:`terminal_sdk.shift.shift_report` over the journal,
so they cannot disagree. Each is shown, and written as text to the data
directory's ``reports/`` folder for the printer.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid, Vertical, VerticalScroll
from textual.widgets import Input, Label, Static

from appkit.i18n import current_language
from protocol.money import parse_fen
from terminal_sdk.shift import ShiftReport, close_shift, shift_report

from ..i18n import N_, tr
from .base import PosScreen

__all__ = ["ShiftScreen", "write_report"]

TILL_TENDERS = ("cash", "bank_card")
TENDER_NAMES = {
    "cash": N_("cash"),
    "bank_card": N_("bank card"),
    "points": N_("points"),
    "card": N_("stored-value card"),
    "wechat": N_("WeChat Pay"),
    "alipay": N_("Alipay"),
    "unionpay": N_("UnionPay"),
}


def write_report(report: ShiftReport, folder: Path, lang: str) -> Path:
    """Save the report's text in ``lang`` for the printer; the file name says which report it is."""
    folder.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(report.printed_at))
    path = folder / f"{report.kind}-shift{report.shift_id}-{stamp}.txt"
    path.write_text(report.as_text(lang=lang), encoding="utf-8")
    return path


class ShiftScreen(PosScreen):
    TITLE_TEXT = N_("Shift")
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f2", "x_report", N_("X report")),
        Binding("f10", "z_report", N_("Count and close (Z)")),
        Binding("escape", "back", N_("Back")),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.counting = False
        self.report: ShiftReport | None = None  # shown in the current language
        self.message: tuple[str, dict[str, object]] = ("", {})  # shown in the current language

    @property
    def journal(self):  # type: ignore[no-untyped-def]
        assert self.pos.terminal is not None
        return self.pos.terminal.journal

    def say(self, message: str, **values: object) -> None:
        """Show ``message`` (from the catalog) above the report; it follows a language switch."""
        self.message = (message, values)

    @property
    def report_text(self) -> str:
        """The report on screen, in the current language ("" when none is shown)."""
        return self.report.as_text(lang=current_language()) if self.report else ""

    def is_open(self) -> bool:
        return self.journal.current_shift() is not None

    def tenders(self) -> list[str]:
        seen = set(shift_report(self.journal).totals) if self.is_open() else set()
        return list(TILL_TENDERS) + sorted(seen - set(TILL_TENDERS))

    def body(self) -> ComposeResult:
        with Vertical(id="shift"):
            if not self.is_open():
                with Grid(classes="form"):
                    yield Label(tr("Cashier"))
                    yield Input(
                        placeholder=tr("your name, then Enter to open a shift"), id="cashier"
                    )
            elif self.counting:
                yield Static(
                    tr("Count each tender and type what you counted; F10 closes the shift."),
                    markup=False,
                )
                with Grid(classes="form"):
                    for tender in self.tenders():
                        yield Label(tr(TENDER_NAMES.get(tender, tender)))
                        yield Input(placeholder="0.00", id=f"counted-{tender}")
            yield Static(id="shift-message", markup=False)
            with VerticalScroll(id="report-box"):
                yield Static(id="report", markup=False)

    def on_mount(self) -> None:
        self.show_totals()

    def show_totals(self) -> None:
        """The open shift's totals so far (the X report, not printed)."""
        if self.is_open():
            self.report = shift_report(self.journal)
        self.after_retranslate()

    def after_retranslate(self) -> None:
        template, values = self.message
        self.query_one("#shift-message", Static).update(tr(template, **values) if template else "")
        self.query_one("#report", Static).update(self.report_text)
        inputs = self.query(Input)
        if inputs:
            inputs.first().focus()
        else:
            self.query_one("#report-box").focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("x_report", "z_report"):
            return self.is_open()
        return True

    @on(Input.Submitted, "#cashier")
    async def _open(self, event: Input.Submitted) -> None:
        cashier = event.value.strip()
        if not cashier:
            self.say(N_("Type your name first."))
        else:
            shift_id = self.journal.open_shift(cashier)
            self.say(N_("Shift {n} is open for {cashier}."), n=shift_id, cashier=cashier)
            self.report = None
        await self.recompose()
        self.show_totals()
        self.refresh_bindings()

    def action_x_report(self) -> None:
        report = shift_report(self.journal)
        path = write_report(report, self.pos.reports_dir, current_language())
        self.pos.print_report(report, path.read_text(encoding="utf-8"))
        self.report = report
        self.say(N_("X report printed (the shift stays open): {path}"), path=path)
        self.after_retranslate()

    @on(Input.Submitted, ".form Input")
    def _next_count(self, event: Input.Submitted) -> None:
        inputs = list(self.query(Input))
        if event.input in inputs and inputs.index(event.input) + 1 < len(inputs):
            inputs[inputs.index(event.input) + 1].focus()

    async def action_z_report(self) -> None:
        if not self.counting:
            self.counting = True
            self.say("")
            await self.recompose()
            self.after_retranslate()
            return
        counted: dict[str, int] = {}
        for tender in self.tenders():
            text = self.query_one(f"#counted-{tender}", Input).value.strip()
            try:
                counted[tender] = parse_fen(text) if text else 0
            except ValueError:
                self.say(N_("{text} is not an amount; type it like 12.30"), text=text)
                self.after_retranslate()
                return
        report = close_shift(self.journal, counted, lang=current_language())
        path = write_report(report, self.pos.reports_dir, current_language())
        self.pos.print_report(report, path.read_text(encoding="utf-8"))
        self.counting = False
        self.report = report
        self.say(N_("Shift closed. Z report saved to {path}"), path=path)
        await self.recompose()
        self.after_retranslate()
        self.refresh_bindings()

    async def action_back(self) -> None:
        if self.counting:
            self.counting = False
            await self.recompose()
            self.after_retranslate()
            return
        self.dismiss(None)
