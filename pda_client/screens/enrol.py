"""First run: enrol this handheld with the courier's activation code and the backend's address."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import Input, Label, Static

from appkit.enrol import EnrolScreen as Enrol
from protocol.models import TerminalKind

from ..i18n import N_, tr
from .base import PdaScreen

__all__ = ["EnrolScreen"]


class EnrolScreen(Enrol, PdaScreen):
    TITLE_TEXT = N_("Enrol this handheld")
    BINDINGS: ClassVar[list[BindingType]] = [Binding("f4", "enrol", N_("Enrol"))]
    KIND = TerminalKind.PDA

    def body(self) -> ComposeResult:
        with Vertical(id="enrol"):
            yield Static(
                tr("Type the activation code from the office, then Enter."),
                classes="explain",
                markup=False,
            )
            yield Label(tr("Activation code"))
            yield Input(id="code")
            yield Label(tr("Backend URL"))
            yield Input(self.pda.config.backend.url, id="url")
            yield Static(self.problem_text(), id="enrol-message", markup=False)
