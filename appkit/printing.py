"""The till's (or a handheld's) receipt printer: a queue on disk, one worker, the status in sight.

:meth:`TillPrinter.submit` writes the receipt to the print queue and returns
at once: a sale never waits for paper. One worker prints what waits, oldest
first, whenever the printer can; it reads the printer's status every
``poll_s`` seconds (DLE EOT), so the status bar says "out of paper" before a
sale does, and a printer plugged back in, refilled or closed is used again
by itself. A receipt cut short by the end of the roll is printed again whole;
nothing is printed twice otherwise unless the cashier asks (reprint). The
cash drawer is pulsed through the printer, at once, never queued.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from pathlib import Path

from drivers.printer import (
    Align,
    Barcode,
    Document,
    DrawerState,
    Paper,
    PrinterError,
    PrinterFault,
    PrinterState,
    PrinterStatus,
    QrCode,
    ReceiptPrinter,
    Rule,
    Text,
    open_printer,
)
from terminal_sdk.printqueue import PrintJob, PrintQueue
from terminal_sdk.receipts import Receipt

from .devices import DeviceStatus
from .i18n import N_, Catalog, current_language

__all__ = ["TillPrinter", "receipt_document"]

log = logging.getLogger(__name__)


def receipt_document(receipt: Receipt, paper: Paper, *, copy: int = 0) -> Document:
    """The receipt as the printer prints it on ``paper``; a reprint says so on top."""
    blocks: list[Text | Rule | Barcode | QrCode] = []
    if copy:
        blocks.append(Text(f"*** {_reprint_word(receipt.lang)} {copy} ***", align=Align.CENTER))
    small = receipt.report_text and max(map(len, receipt.report_text.splitlines())) > paper.columns
    for line in receipt.lines(paper.columns):
        if line.style == "title":
            blocks.append(Text(line.text, bold=True, big=True, align=Align.CENTER))
        elif line.style == "rule":
            blocks.append(Rule())
        elif line.style == "code":
            blocks += [Barcode(line.text), QrCode(line.text)]
        else:
            blocks.append(Text(line.text, small=bool(small and line.style == "report")))
    title = f"{receipt.kind.value}-{receipt.reference}" + (f"-copy{copy}" if copy else "")
    return Document(tuple(blocks), title=title, columns=paper.columns)


def _reprint_word(lang: str) -> str:
    return "重印" if lang == "zh" else "REPRINT"


class TillPrinter:
    """``on_change`` is called whenever the status or the queue changes (the status bar)."""

    def __init__(
        self,
        url: str,
        data_dir: Path,
        on_change: Callable[[], None],
        *,
        poll_s: float = 2.0,
    ) -> None:
        self.url = url
        self._on_change = on_change
        self.poll_s = poll_s
        self.queue = PrintQueue(data_dir / "printqueue.db")
        self.printer: ReceiptPrinter | None = None
        self.problem = ""  # the URL could not be used (English; shown as is)
        self.status: PrinterStatus | None = None
        self.drawer_problem: PrinterError | None = None
        self._wake = asyncio.Event()
        self._worker: asyncio.Task[None] | None = None
        try:
            self.printer = open_printer(url, sim_folder=data_dir / "printed")
        except ValueError as exc:
            self.problem = str(exc).splitlines()[0]

    # -- what the app does --------------------------------------------------------------------

    def start(self) -> None:
        if self.printer is not None and self._worker is None:
            self._worker = asyncio.get_running_loop().create_task(self._work(), name="printer")

    def submit(self, receipt: Receipt) -> PrintJob | None:
        """Queue ``receipt`` (on disk) and return at once; None if it was queued before."""
        job = self.queue.add(receipt)
        self._changed()
        return job

    def reprint_last(self) -> PrintJob | None:
        """The cashier asks for the last receipt again; None when there is none."""
        last = self.queue.last()
        job = self.queue.reprint(last.id) if last is not None else None
        self._changed()
        return job

    def pulse_drawer(self) -> None:
        """Open the cash drawer now (in the background); a failure shows in the status."""
        if self.printer is not None:
            asyncio.get_running_loop().create_task(self._pulse(self.printer))

    async def _pulse(self, printer: ReceiptPrinter) -> None:
        try:
            await printer.pulse_drawer()
            self.drawer_problem = None
        except PrinterError as exc:
            log.warning("drawer: %s", exc)
            self.drawer_problem = exc
        self._changed()

    async def close(self) -> None:
        if self._worker is not None:
            self._worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._worker
        if self.printer is not None:
            await self.printer.close()
        self.queue.close()

    # -- what the status bar shows --------------------------------------------------------------

    @property
    def ok(self) -> bool:
        return self.status is not None and self.status.can_print and not self.problem

    def device_status(self, catalog: Catalog) -> DeviceStatus:
        """The printer among the devices (the status bar's mark, store IT's heartbeat)."""
        if self.problem:
            detail = self.problem
        elif self.status is None:
            detail = catalog.tr(N_("checking..."))
        else:
            detail = self.status.words(current_language())
        return DeviceStatus(catalog.tr(N_("printer")), self.ok, detail, "printer", self.url)

    def notes(self, catalog: Catalog) -> list[tuple[str, str]]:
        """What the cashier must know beyond the mark, in plain words: (words, style)."""
        out = []
        if self.problem:
            out.append((catalog.tr(N_("printer: bad URL")), "bold white on red"))
        elif self.status is not None and self.status.state is not PrinterState.READY:
            style = "yellow" if self.status.can_print else "bold white on red"
            out.append((catalog.tr(N_("printer: {state}"), state=self.status.words(
                current_language())), style))  # fmt: skip
        waiting = len(self.queue.waiting())
        if waiting:
            out.append((catalog.tr(N_("{n} to print"), n=waiting), "bold yellow"))
        if self.status is not None and self.status.drawer is DrawerState.OPEN:
            out.append((catalog.tr(N_("drawer open")), "yellow"))
        if self.drawer_problem is not None:
            out.append((catalog.tr(N_("drawer did not open")), "bold white on red"))
        return out

    # -- the worker ---------------------------------------------------------------------------

    def _changed(self) -> None:
        self._wake.set()
        with contextlib.suppress(Exception):
            self._on_change()

    async def _work(self) -> None:
        printer = self.printer
        assert printer is not None
        while True:
            status = await printer.status()
            if status != self.status:
                self.status = status
                self._on_change()
            waiting = self.queue.waiting() if status.can_print else []
            if waiting:
                await self._print(printer, waiting[0])
                continue
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.poll_s)

    async def _print(self, printer: ReceiptPrinter, job: PrintJob) -> None:
        self.queue.sending(job.id)
        try:
            await printer.print(receipt_document(job.receipt, printer.paper, copy=job.copy))
        except PrinterFault as exc:
            self.queue.again(job.id, exc.status.state.value)
            self.status = exc.status
        except PrinterError as exc:
            self.queue.again(job.id, type(exc).__name__)
            log.info("receipt %s waits: %s", job.receipt.reference, exc)
            await asyncio.sleep(min(self.poll_s, 1.0))
        else:
            self.queue.printed(job.id)
        self._on_change()
