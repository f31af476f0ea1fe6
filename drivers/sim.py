"""The simulated scanner (``sim:``): a real driver whose scans are scripted.

The demo binds a key to :meth:`SimScanner.scan`; tests script a list of codes
in the URL and pull the cable with :meth:`SimScanner.unplug`. Everything a
device driver does (states, iteration, close) behaves as with real hardware.
"""

from __future__ import annotations

import asyncio

from .scanner import Scan, Scanner, ScannerError, ScannerState
from .urls import DeviceUrl, Option, SchemeSpec, register_scheme

__all__ = ["SimScanner"]


class SimScanner(Scanner):
    """Scans what it is told to: ``codes`` on a timer, and whatever :meth:`scan` is given."""

    def __init__(
        self,
        codes: tuple[str, ...] = (),
        *,
        interval: float = 1.0,
        delay: float = 0.0,
        aim: str | None = None,
        name: str = "sim",
    ) -> None:
        super().__init__(name)
        self.codes = codes
        self.interval = interval
        self.delay = delay
        self.aim = aim

    async def _run(self) -> None:
        self._set_state(ScannerState.CONNECTING)
        self._set_state(ScannerState.READY)
        if not self.codes:
            await asyncio.Event().wait()  # until closed
        await asyncio.sleep(self.delay)
        for i, code in enumerate(self.codes):
            if i:
                await asyncio.sleep(self.interval)
            await self.wait_ready()
            self.scan(code)

    def scan(self, text: str, *, aim: str | None = None) -> Scan:
        """Read ``text`` now, as if a code had been shown to the scanner."""
        if self.state is not ScannerState.READY:
            raise ScannerError(f"{self.device} cannot scan: {self.status}")
        aim = aim if aim is not None else self.aim
        scan = Scan(
            text=text,
            device=self.device,
            raw=((aim or "") + text + "\r").encode(),
            aim=aim,
        )
        self._emit(scan)
        return scan

    def unplug(self) -> None:
        """Act as a pulled cable: the scanner goes to DISCONNECTED until :meth:`plug`."""
        self._set_state(ScannerState.DISCONNECTED, "simulated unplug")

    def plug(self) -> None:
        self._set_state(ScannerState.CONNECTING)
        self._set_state(ScannerState.READY)

    def fail(self, detail: str) -> None:
        """Act as a device that cannot be opened (shown in the status bar) until :meth:`plug`."""
        if self.state is ScannerState.READY:
            self._set_state(ScannerState.DISCONNECTED, detail)
        if self.state is ScannerState.DISCONNECTED:
            self._set_state(ScannerState.CONNECTING)
        self._set_state(ScannerState.ERROR, detail)


def _from_url(url: DeviceUrl) -> SimScanner:
    codes = tuple(code for code in url.text_option("codes").split(",") if code)
    return SimScanner(
        codes,
        interval=url.int_option("interval", 1000, 0, 3_600_000) / 1000,
        delay=url.int_option("delay", 0, 0, 3_600_000) / 1000,
        aim=url.text_option("aim") or None,
        name=url.text_option("name", "sim"),
    )


register_scheme(
    SchemeSpec(
        scheme="sim",
        summary="simulated scanner: scripted codes, and scans sent by the app",
        forms=("sim:", "sim:?codes=811234567890123452,6901234567892&interval=500"),
        factory=_from_url,
        path="none",
        options=(
            Option("codes", "codes to scan, comma-separated"),
            Option("interval", "milliseconds between scripted codes", "1000"),
            Option("delay", "milliseconds before the first code", "0"),
            Option("aim", "AIM identifier to send with each code, e.g. ]Q1"),
            Option("name", "device name shown in scans and status", "sim"),
        ),
    )
)
