"""The scanners of a till or a handheld: opened from their URLs, read, watched as they come and go.

Every scanner's scans reach the app through one callback, whichever device
read them, so several scanners work side by side. The status of each is kept
for the status bar. Serial scanners plugged in while the app runs are opened
without a restart (the ``hid:`` driver takes in new USB scanners by itself).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

from drivers.hotplug import DeviceEvent, Transport, watch_devices
from drivers.scanner import Scan, Scanner, ScannerError, ScannerState
from drivers.urls import open_scanner
from drivers.wedge import WedgeScanner

__all__ = ["DeviceHub", "DeviceStatus"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DeviceStatus:
    """One device as the status bar shows it."""

    name: str
    ok: bool
    detail: str  # plain words: "ready", "error: no device at /dev/ttyACM0"
    kind: str = "scanner"  # for store IT's list: scanner, pinpad, printer
    url: str = ""
    last_scan_at: int | None = None  # unix seconds


def short_name(name: str) -> str:
    """A device or URL as the status bar shows it: ``/dev/serial/by-id/usb-X`` -> ``usb-X``.

    A URL without a path (``sim:?name=desk``) is shown by its scheme.
    """
    if "://" in name or (":" in name and not name.startswith("/")):
        scheme, _, rest = name.partition(":")
        path = rest.lstrip("/").split("?", 1)[0]
        return path.rsplit("/", 1)[-1] if path else scheme
    return name.rsplit("/", 1)[-1] or name


class DeviceHub:
    """Opens and reads every scanner; calls ``on_scan`` for each scan, ``on_change`` on news."""

    def __init__(
        self,
        on_scan: Callable[[Scan], None],
        on_change: Callable[[], None],
        *,
        pinpad_url: str = "",
    ) -> None:
        self._on_scan = on_scan
        self._on_change = on_change
        self._pinpad_url = pinpad_url
        self.claimed: list[str] = []  # other devices' URLs (the printer): never opened as scanners
        self.scanners: dict[str, Scanner] = {}
        self._readers: dict[str, asyncio.Task[None]] = {}
        self._failed: dict[str, str] = {}  # URL -> why it could not be opened
        self._last_scan: dict[str, int] = {}  # URL -> unix seconds of its last scan
        self._configured: list[str] = []
        self.wedge: WedgeScanner | None = None

    async def start(self, urls: list[str]) -> None:
        """Open the configured scanners."""
        self._configured = list(urls)
        for url in urls:
            await self.add(url)

    async def add(self, url: str) -> Scanner | None:
        """Open ``url`` and start reading it; a bad URL shows in the status, it does not raise."""
        if url in self.scanners:
            return self.scanners[url]
        try:
            scanner = open_scanner(url)
            await scanner.open()
        except (ScannerError, ValueError, OSError) as exc:
            self._failed[url] = str(exc).splitlines()[0]
            log.warning("scanner %s cannot be used: %s", url, exc)
            self._on_change()
            return None
        self._failed.pop(url, None)
        self.scanners[url] = scanner
        if isinstance(scanner, WedgeScanner):
            self.wedge = scanner
        scanner.add_state_listener(lambda state, detail: self._on_change())
        self._readers[url] = asyncio.create_task(self._read(url, scanner), name=f"read {url}")
        self._on_change()
        return scanner

    async def remove(self, url: str) -> None:
        scanner = self.scanners.pop(url, None)
        reader = self._readers.pop(url, None)
        if scanner is not None:
            await scanner.close()
        if reader is not None:
            reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await reader
        if scanner is self.wedge:
            self.wedge = None
        self._on_change()

    async def _read(self, url: str, scanner: Scanner) -> None:
        async for scan in scanner:
            self._last_scan[url] = int(time.time())
            self._on_scan(scan)

    def statuses(self) -> list[DeviceStatus]:
        out = [
            DeviceStatus(
                short_name(s.device),
                s.state is ScannerState.READY,
                s.status,
                url=url,
                last_scan_at=self._last_scan.get(url),
            )
            for url, s in self.scanners.items()
        ]
        out += [
            DeviceStatus(short_name(url), False, why, url=url) for url, why in self._failed.items()
        ]
        return out

    async def follow_hotplug(
        self, events: Callable[[], AsyncIterator[DeviceEvent]] = watch_devices
    ) -> None:
        """Open serial scanners as they are plugged in, drop those pulled out; until cancelled."""
        opened: set[str] = set()
        async for event in events():
            device = event.device
            if device.transport is not Transport.SERIAL or self._is_claimed(device.path):
                continue
            if any(device.path in url or device.node in url for url in self._configured):
                continue  # configured: its own driver reconnects it
            if event.action == "added":
                opened.add(device.url)
                await self.add(device.url)
            elif device.url in opened:
                opened.discard(device.url)
                await self.remove(device.url)

    def _is_claimed(self, path: str) -> bool:
        return any(url and path in url for url in (self._pinpad_url, *self.claimed))

    async def close(self) -> None:
        for url in list(self.scanners):
            await self.remove(url)
