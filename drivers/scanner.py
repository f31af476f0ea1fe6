"""The one interface every scanner driver implements, and the scan it yields.

A driver is opened as an async context manager and iterated::

    async with open_scanner("serial:///dev/ttyACM0?suffix=cr") as scanner:
        async for scan in scanner:
            handle(scan.text)

Devices come and go (a cable is pulled, a USB hub resets), so a driver does
not end its iteration when the device vanishes: it reconnects on its own and
reports what it is doing through :attr:`Scanner.state`, which the apps show in
their status bar. Iteration ends only when the scanner is closed.

Connection states and the moves allowed between them::

    DISCONNECTED -> CONNECTING -> READY -> DISCONNECTED (unplugged) -> CONNECTING ...
                                \\-> ERROR (cannot open) -> CONNECTING (retry) ...
    any state -> CLOSED (final)
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from enum import StrEnum
from types import TracebackType
from typing import Self

from protocol.paycode import mask

from .aim import Symbology, symbology_for

__all__ = [
    "IllegalTransition",
    "Scan",
    "Scanner",
    "ScannerError",
    "ScannerState",
    "StateListener",
]

log = logging.getLogger(__name__)


class ScannerError(Exception):
    """Something a person has to fix about a scanner (its URL, its permissions...)."""


class IllegalTransition(ScannerError):
    """A connection-state move the table does not allow: a bug in a driver, not a device fault."""


class ScannerState(StrEnum):
    DISCONNECTED = "disconnected"  # not open yet, or the device went away
    CONNECTING = "connecting"  # opening the device
    READY = "ready"  # scans are being read
    ERROR = "error"  # the last attempt to open failed; the driver retries after a pause
    CLOSED = "closed"  # closed by its owner; final

    @property
    def label(self) -> str:
        """What a status bar shows."""
        return _LABELS[self]


_LABELS = {
    ScannerState.DISCONNECTED: "scanner disconnected",
    ScannerState.CONNECTING: "connecting to scanner...",
    ScannerState.READY: "scanner ready",
    ScannerState.ERROR: "scanner error",
    ScannerState.CLOSED: "scanner closed",
}

_ALLOWED: dict[ScannerState, frozenset[ScannerState]] = {
    ScannerState.DISCONNECTED: frozenset({ScannerState.CONNECTING, ScannerState.CLOSED}),
    ScannerState.CONNECTING: frozenset(
        {ScannerState.READY, ScannerState.ERROR, ScannerState.DISCONNECTED, ScannerState.CLOSED}
    ),
    ScannerState.READY: frozenset(
        {ScannerState.DISCONNECTED, ScannerState.ERROR, ScannerState.CLOSED}
    ),
    ScannerState.ERROR: frozenset(
        {ScannerState.CONNECTING, ScannerState.DISCONNECTED, ScannerState.CLOSED}
    ),
    ScannerState.CLOSED: frozenset(),
}

StateListener = Callable[[ScannerState, str], None]
"""Called with the new state and a plain-words detail (empty when there is none)."""


@dataclass(frozen=True, repr=False)
class Scan:
    """One code read by one device.

    ``text`` is the decoded code with framing, prefix, suffix and AIM identifier
    removed. ``raw`` is what the device sent for it, framing included (for HID and
    wedge devices, which send keys rather than bytes: the typed characters, end key
    included, in UTF-8). ``timestamp`` is ``time.monotonic()`` when its last byte
    or key arrived. The repr masks payment codes, so a scan can be logged as is.
    """

    text: str
    device: str
    raw: bytes = b""
    aim: str | None = None
    timestamp: float = field(default_factory=time.monotonic)
    symbology: Symbology | None = None
    """The barcode type: from the AIM identifier when the device sent one, or given by a
    driver that knows it (a camera decoder)."""

    def __post_init__(self) -> None:
        if self.symbology is None and self.aim is not None:
            object.__setattr__(self, "symbology", symbology_for(self.aim))

    def __repr__(self) -> str:
        symbology = self.symbology.value if self.symbology else None
        return (
            f"Scan(text={mask(self.text)!r}, symbology={symbology!r}, device={self.device!r}, "
            f"raw={len(self.raw)} bytes, timestamp={self.timestamp:.6f})"
        )

    __str__ = __repr__


_END = object()


class Scanner(ABC):
    """Base of every driver: lifecycle, connection state, and the queue of scans.

    A driver implements :meth:`_run`, which connects to its device, calls
    :meth:`_emit` for each scan and :meth:`_set_state` as the connection changes,
    and reconnects by itself; it runs as one task from :meth:`open` to
    :meth:`close`. Everything here runs on the event loop's thread.
    """

    def __init__(self, device: str) -> None:
        self.device = device
        self._state = ScannerState.DISCONNECTED
        self._detail = ""
        self._listeners: list[StateListener] = []
        self._queue: asyncio.Queue[Scan | object] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None
        self._state_changed = asyncio.Event()

    # -- what subclasses provide -------------------------------------------------

    @abstractmethod
    async def _run(self) -> None:
        """Read the device until cancelled, reconnecting as needed."""

    # -- connection state ------------------------------------------------------

    @property
    def state(self) -> ScannerState:
        return self._state

    @property
    def detail(self) -> str:
        """Plain words about the state: why it failed, what it waits for."""
        return self._detail

    @property
    def status(self) -> str:
        """One line for a status bar, such as ``scanner error: permission denied``."""
        return f"{self._state.label}: {self._detail}" if self._detail else self._state.label

    def add_state_listener(self, listener: StateListener) -> Callable[[], None]:
        """Call ``listener`` on every state change; returns a function that removes it."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    def _set_state(self, state: ScannerState, detail: str = "") -> None:
        if state is self._state:
            if detail != self._detail:
                self._detail = detail
                self._notify()
            return
        if state not in _ALLOWED[self._state]:
            raise IllegalTransition(f"{self.device}: {self._state.value} -> {state.value}")
        log.info("%s: %s%s", self.device, state.value, f" ({detail})" if detail else "")
        self._state, self._detail = state, detail
        self._notify()

    def _notify(self) -> None:
        self._state_changed.set()
        self._state_changed = asyncio.Event()
        for listener in list(self._listeners):
            try:
                listener(self._state, self._detail)
            except Exception:
                log.exception("scanner state listener failed")

    async def wait_for_state(self, *states: ScannerState) -> None:
        """Wait until the scanner is in one of ``states`` (wrap it in ``asyncio.timeout``)."""
        while self._state not in states:
            await self._state_changed.wait()

    async def wait_ready(self) -> None:
        await self.wait_for_state(ScannerState.READY)

    # -- scans -----------------------------------------------------------------

    def _emit(self, scan: Scan) -> None:
        log.debug("%r", scan)
        self._queue.put_nowait(scan)

    async def read(self) -> Scan:
        """The next scan; raises ``StopAsyncIteration`` once the scanner is closed."""
        if self._state is ScannerState.CLOSED and self._queue.empty():
            raise StopAsyncIteration
        item = await self._queue.get()
        if item is _END:
            self._queue.put_nowait(_END)  # every later read ends too
            raise StopAsyncIteration
        assert isinstance(item, Scan)
        return item

    def __aiter__(self) -> AsyncIterator[Scan]:
        return self

    async def __anext__(self) -> Scan:
        return await self.read()

    # -- lifecycle ----------------------------------------------------------------

    async def open(self) -> None:
        """Start reading. Returns at once: watch :attr:`state` or :meth:`wait_ready`."""
        if self._state is ScannerState.CLOSED:
            raise ScannerError(f"{self.device}: this scanner was closed; open a new one")
        if self._task is None:
            self._task = asyncio.create_task(self._run_logged(), name=f"scanner {self.device}")

    async def _run_logged(self) -> None:
        try:
            await self._run()
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.exception("%s: driver stopped", self.device)
            with contextlib.suppress(IllegalTransition):
                self._set_state(ScannerState.ERROR, f"driver stopped: {exc}")

    def _finish(self, detail: str) -> None:
        """Close from inside :meth:`_run`: the source has nothing more to give (a video ended).

        Call it last, once the device is released: the driver's task returns after it,
        and iteration ends after the scans already read.
        """
        self._set_state(ScannerState.CLOSED, detail)
        self._queue.put_nowait(_END)

    async def close(self) -> None:
        """Stop reading and release the device; pending scans can still be read."""
        if self._state is ScannerState.CLOSED:
            return
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._set_state(ScannerState.CLOSED)
        self._queue.put_nowait(_END)

    async def __aenter__(self) -> Self:
        await self.open()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.device} {self._state.value}>"
