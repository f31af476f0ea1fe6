"""The result, large and unmistakable: PAID or NOT CHARGED, why in plain words, and the details.

Both apps end every payment on this screen. Each says NOT CHARGED in its own
big letters, lists its own details (:meth:`ResultScreen.detail_lines`) and
may add lines below (:meth:`ResultScreen.after_details`); the keys and what
they do next are the app's.
"""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from protocol.errors import ErrorCode, message_for
from terminal_sdk.session import PaymentResult

from .i18n import N_, Catalog, current_language
from .screen import AppScreen

__all__ = ["ResultScreen", "result_reason"]


def result_reason(result: PaymentResult, catalog: Catalog) -> str:
    """The reason in plain words, in the current language."""
    if result.paid:
        return catalog.tr("The customer has paid.")
    text = message_for(result.reason or ErrorCode.CANCELLED, current_language())
    if result.reversal_pending:
        text += " " + catalog.tr("The reversal is finished automatically when the service is back.")
    return text


class ResultScreen(AppScreen):
    TITLE_TEXT = N_("Result")
    #: the big words of a payment not charged (a message of the catalog)
    NOT_CHARGED: ClassVar[str]

    def __init__(self, result: PaymentResult) -> None:
        super().__init__()
        self.result = result

    def body(self) -> ComposeResult:
        paid = self.result.paid
        with Vertical(id="result"):
            yield Static(
                self.tr("P A I D") if paid else self.tr(self.NOT_CHARGED),
                id="big",
                classes="paid" if paid else "not-charged",
                markup=False,
            )
            yield Static(result_reason(self.result, self.kit.catalog), id="reason", markup=False)
            yield Static("\n".join(self.detail_lines()), id="result-details", markup=False)
            yield from self.after_details()

    def detail_lines(self) -> list[str]:
        raise NotImplementedError

    def after_details(self) -> ComposeResult:
        yield from ()
