"""First run: enrol this till with the activation code from store IT and the backend's address."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid, Vertical
from textual.widgets import Input, Label, Static

from appkit.enrol import EnrolScreen as Enrol
from protocol.models import TerminalKind

from ..i18n import N_, tr
from .base import PosScreen

__all__ = ["EnrolScreen"]


class EnrolScreen(Enrol, PosScreen):
    TITLE_TEXT = N_("Enrol this till")
    BINDINGS: ClassVar[list[BindingType]] = [Binding("f10", "enrol", N_("Enrol"))]
    KIND = TerminalKind.POS

    def body(self) -> ComposeResult:
        with Vertical(id="enrol"):
            yield Static(
                tr(
                    "This till is not enrolled yet. Type the activation code from store IT "
                    "and the payment service's address, then press Enter."
                ),
                classes="explain",
                markup=False,
            )
            with Grid(classes="form"):
                yield Label(tr("Backend URL"))
                yield Input(self.pos.config.backend.url, id="url")
                yield Label(tr("Activation code"))
                yield Input(id="code")
                yield Label(tr("Till name"))
                yield Input(placeholder=tr("e.g. till-3 (optional)"), id="name")
            yield Static(self.problem_text(), id="enrol-message", markup=False)

    def device_name(self) -> str:
        return self.query_one("#name", Input).value.strip()
