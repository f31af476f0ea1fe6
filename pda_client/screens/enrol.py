"""First run: enrol this handheld with the courier's activation code and the backend's address."""

from __future__ import annotations

from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import Input, Label, Static

from protocol.errors import ScanPayError
from protocol.models import TerminalKind
from terminal_sdk.client import enrol
from terminal_sdk.credentials import CredentialStore

from ..i18n import N_, current_language, tr
from .base import PdaScreen

__all__ = ["EnrolScreen"]


class EnrolScreen(PdaScreen):
    TITLE_TEXT = N_("Enrol this handheld")
    BINDINGS: ClassVar[list[BindingType]] = [Binding("f4", "enrol", N_("Enrol"))]

    def __init__(self, problem: str = "") -> None:
        super().__init__()
        self.problem = problem  # why the stored identity could not be used, if it was there

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
            yield Static(self.problem, id="enrol-message", markup=False)

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#code", Input).focus()

    @on(Input.Submitted)
    def _submitted(self) -> None:
        self.action_enrol()

    def action_enrol(self) -> None:
        url = self.query_one("#url", Input).value.strip()
        code = self.query_one("#code", Input).value.strip()
        message = self.query_one("#enrol-message", Static)
        if not code:
            message.update(tr("Type the activation code."))
            self.query_one("#code", Input).focus()
            return
        if not url.startswith(("http://", "https://")):
            message.update(tr("The backend URL starts with http:// or https://"))
            self.query_one("#url", Input).focus()
            return
        message.update(tr("Enrolling..."))
        self.enrol(url, code)

    @work(exclusive=True)
    async def enrol(self, url: str, code: str) -> None:
        config = self.pda.config
        message = self.query_one("#enrol-message", Static)
        try:
            creds = await enrol(url, code, kind=TerminalKind.PDA, ca_file=config.backend.ca_file)
        except ScanPayError as exc:
            message.update(exc.message(current_language()))
            field = self.query_one("#code", Input)
            field.value = ""
            field.focus()
            return
        CredentialStore(config.credentials_file, config.terminal.account).save(creds)
        self.pda.remember_backend_url(url)
        self.dismiss(True)
