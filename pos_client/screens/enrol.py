"""First run: enrol this till with the activation code from store IT and the backend's address."""

from __future__ import annotations

from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid, Vertical
from textual.widgets import Input, Label, Static

from protocol.errors import ScanPayError
from protocol.models import TerminalKind
from terminal_sdk.client import enrol
from terminal_sdk.credentials import CredentialStore

from ..i18n import N_, current_language, tr
from .base import PosScreen

__all__ = ["EnrolScreen"]


class EnrolScreen(PosScreen):
    TITLE_TEXT = N_("Enrol this till")
    BINDINGS: ClassVar[list[BindingType]] = [Binding("f10", "enrol", N_("Enrol"))]

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
            yield Static(id="enrol-message", markup=False)

    def on_mount(self) -> None:
        self.query_one("#code", Input).focus()

    @on(Input.Submitted)
    def _submitted(self) -> None:
        self.action_enrol()

    def action_enrol(self) -> None:
        url = self.query_one("#url", Input).value.strip()
        code = self.query_one("#code", Input).value.strip()
        message = self.query_one("#enrol-message", Static)
        if not url.startswith(("http://", "https://")):
            message.update(tr("The backend URL starts with http:// or https://"))
            self.query_one("#url", Input).focus()
            return
        if not code:
            message.update(tr("Type the activation code."))
            self.query_one("#code", Input).focus()
            return
        message.update(tr("Enrolling..."))
        self.enrol(url, code, self.query_one("#name", Input).value.strip())

    @work(exclusive=True)
    async def enrol(self, url: str, code: str, name: str) -> None:
        config = self.pos.config
        message = self.query_one("#enrol-message", Static)
        try:
            creds = await enrol(
                url, code, device_name=name, kind=TerminalKind.POS, ca_file=config.backend.ca_file
            )
        except ScanPayError as exc:
            message.update(exc.message(current_language()))
            field = self.query_one("#code", Input)
            field.value = ""  # type it again
            field.focus()
            return
        CredentialStore(config.credentials_file, config.terminal.account).save(creds)
        config.backend.url = url
        self.pos.save_backend_url(url)
        self.dismiss(True)
