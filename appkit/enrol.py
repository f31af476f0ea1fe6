"""First run: enrol this terminal with an activation code and the backend's address.

The app shows this screen when the terminal has no usable identity (with
the reason when stored credentials could not be used). The fields are
checked in the order they stand on the screen; a refused code is cleared to
be typed again; on success the identity is stored (OS keyring, else an
owner-only file) and the backend's address kept in the configuration file.
Each app lays out its own form (:meth:`~appkit.screen.AppScreen.body`) with
the inputs ``#url`` and ``#code``, and the message ``#enrol-message``.
"""

from __future__ import annotations

from typing import ClassVar

from textual import on, work
from textual.widgets import Input, Static

from protocol.errors import ScanPayError
from protocol.models import TerminalKind
from terminal_sdk.client import enrol
from terminal_sdk.credentials import CredentialsMissing, CredentialStore

from .i18n import current_language
from .screen import AppScreen

__all__ = ["EnrolScreen"]


class EnrolScreen(AppScreen):
    #: what the backend enrols this terminal as
    KIND: ClassVar[TerminalKind]

    def __init__(self, problem: CredentialsMissing | None = None) -> None:
        super().__init__()
        self.problem = problem  # why the stored identity could not be used, if it was there

    def problem_text(self) -> str:
        """Why the stored identity could not be used, in the current language ("" if none)."""
        return self.problem.message(current_language()) if self.problem else ""

    def on_mount(self) -> None:
        self.query_one("#code", Input).focus()

    @on(Input.Submitted)
    def _submitted(self) -> None:
        self.action_enrol()

    def action_enrol(self) -> None:
        message = self.query_one("#enrol-message", Static)
        for field in self.query(Input):
            value = field.value.strip()
            if field.id == "url" and not value.startswith(("http://", "https://")):
                message.update(self.tr("The backend URL starts with http:// or https://"))
            elif field.id == "code" and not value:
                message.update(self.tr("Type the activation code."))
            else:
                continue
            field.focus()
            return
        message.update(self.tr("Enrolling..."))
        url = self.query_one("#url", Input).value.strip()
        self.enrol(url, self.query_one("#code", Input).value.strip(), self.device_name())

    def device_name(self) -> str:
        """The name the terminal is enrolled under (empty: the backend names it)."""
        return ""

    @work(exclusive=True)
    async def enrol(self, url: str, code: str, name: str) -> None:
        config = self.kit.config
        message = self.query_one("#enrol-message", Static)
        try:
            creds = await enrol(
                url, code, device_name=name, kind=self.KIND, ca_file=config.backend.ca_file
            )
        except ScanPayError as exc:
            message.update(exc.message(current_language()))
            field = self.query_one("#code", Input)
            field.value = ""  # type it again
            field.focus()
            return
        CredentialStore(config.credentials_file, config.terminal.account).save(creds)
        self.kit.remember_backend_url(url)
        self.dismiss(True)
