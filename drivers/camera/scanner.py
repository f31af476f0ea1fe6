"""A camera as a scanner (``camera:``): OpenCV frames in, scans out, the event loop never blocked.

``camera:0`` opens capture index 0 (V4L2 on Linux); ``camera:///path/clip.mp4``
plays a video file at its own frame rate, as a camera would give it.

Two threads keep the event loop free. A reader thread pulls frames from the
capture (blocking reads, at the camera's pace) into a one-frame slot; a
decoding thread reads the codes (:func:`.decoder.decode_detailed`) in the
newest frame whenever it is free. A frame still waiting when the next one
arrives is dropped, never queued, so a slow decoder skips frames instead of
falling behind the camera.

A code stays in view for many frames: its text is yielded once, and again
only after it has been out of sight for ``dedupe`` seconds (2 s by default).

When a camera stops giving frames (unplugged) its capture is released and it
is reopened with a growing pause until it is back. A video file that ends
closes the scanner (iteration ends) unless ``loop`` plays it again. The
capture is released on every path out, errors and cancellation included.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import sys
import threading
import time
from collections.abc import Callable, Collection
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Protocol

import cv2

from ..aim import Symbology
from ..scanner import Scan, Scanner, ScannerError, ScannerState
from ..urls import DeviceUrl, DeviceUrlError, Option, SchemeSpec, register_scheme
from .decoder import SYMBOLOGIES, Decoded, decode_detailed

__all__ = ["CameraError", "CameraScanner", "CameraStats", "Capture", "open_capture"]

log = logging.getLogger(__name__)

DEFAULT_FILE_FPS = 25.0  # for a video file that does not say its own rate


class Capture(Protocol):
    """What the driver needs of a ``cv2.VideoCapture``: the seam where a camera would be."""

    def isOpened(self) -> bool: ...  # OpenCV's name

    def read(self) -> tuple[bool, Any]: ...

    def set(self, prop: int, value: float) -> bool: ...

    def get(self, prop: int) -> float: ...

    def release(self) -> None: ...


CaptureFactory = Callable[[int | str], Capture]


def open_capture(source: int | str) -> Capture:
    """The real thing: ``cv2.VideoCapture`` of a camera index (V4L2 on Linux) or a file."""
    if isinstance(source, int):
        api = cv2.CAP_V4L2 if sys.platform == "linux" else cv2.CAP_ANY
        capture: Capture = cv2.VideoCapture(source, api)
    else:
        capture = cv2.VideoCapture(source)
    return capture


class CameraError(ScannerError):
    """A camera or video file that cannot be opened or read; the message says why."""


@dataclass
class CameraStats:
    """Counters for the test tool and the benchmark."""

    frames_read: int = 0
    frames_decoded: int = 0
    frames_dropped: int = 0  # replaced in the slot before the decoder took them
    repeats: int = 0  # sightings of a code not yielded again (duplicate suppression)


@dataclass(frozen=True)
class _Stopped:
    """Why the reader thread stopped: the camera went away, or the file ended for good."""

    detail: str
    final: bool = False


class _FrameSlot:
    """The newest frame not yet decoded, handed from the reader thread to the event loop."""

    def __init__(self, loop: asyncio.AbstractEventLoop, stats: CameraStats) -> None:
        self._loop = loop
        self._stats = stats
        self._lock = threading.Lock()
        self._frame: tuple[Any, float] | None = None
        self._stopped: _Stopped | None = None
        self._wake = asyncio.Event()

    def put(self, frame: Any, taken_at: float) -> None:
        """Reader thread: offer a frame; one still waiting is dropped."""
        with self._lock:
            if self._frame is not None:
                self._stats.frames_dropped += 1
            self._frame = (frame, taken_at)
            self._stats.frames_read += 1
        self._wake_loop()

    def stop(self, why: _Stopped) -> None:
        """Reader thread: no more frames will come."""
        with self._lock:
            if self._stopped is None:
                self._stopped = why
        self._wake_loop()

    def _wake_loop(self) -> None:
        with contextlib.suppress(RuntimeError):  # the loop is gone: nobody is waiting
            self._loop.call_soon_threadsafe(self._wake.set)

    async def take(self) -> tuple[Any, float] | _Stopped:
        """The newest frame (and when it was read), or why there are no more."""
        while True:
            self._wake.clear()
            with self._lock:
                frame, self._frame = self._frame, None
                stopped = self._stopped
            if frame is not None:
                return frame
            if stopped is not None:
                return stopped
            await self._wake.wait()


class CameraScanner(Scanner):
    """Codes read from a camera (an OpenCV index) or a video file. See the module docstring."""

    def __init__(
        self,
        source: int | str,
        *,
        fps: float | None = None,
        width: int | None = None,
        height: int | None = None,
        dedupe: float = 2.0,
        loop: bool = False,
        symbologies: Collection[str] = SYMBOLOGIES,
        open_capture: CaptureFactory = open_capture,
        retry_min: float = 0.2,
        retry_max: float = 5.0,
    ) -> None:
        super().__init__(f"camera:{source}" if isinstance(source, int) else source)
        self.source = source
        self.fps = fps
        self.width = width
        self.height = height
        self.dedupe = dedupe
        self.loop = loop
        if not symbologies or not set(symbologies) <= set(SYMBOLOGIES):
            raise CameraError(f"a camera reads {' and '.join(SYMBOLOGIES)}, not {symbologies}")
        self.symbologies = tuple(s for s in SYMBOLOGIES if s in symbologies)
        self.open_capture = open_capture
        self.retry_min = retry_min
        self.retry_max = retry_max
        self.stats = CameraStats()
        self._last_seen: dict[str, float] = {}

    @property
    def is_file(self) -> bool:
        return isinstance(self.source, str)

    # -- the connection loop ---------------------------------------------------

    async def _run(self) -> None:
        pause = self.retry_min
        decoder = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"decode {self.device}")
        try:
            while True:
                self._set_state(ScannerState.CONNECTING)
                try:
                    capture = await self._open_off_loop()
                except CameraError as exc:
                    self._set_state(ScannerState.ERROR, str(exc))
                    await asyncio.sleep(pause)
                    pause = min(pause * 2, self.retry_max)
                    continue
                pause = self.retry_min
                stopped = await self._stream(capture, decoder)
                if stopped.final:
                    break
                self._set_state(ScannerState.DISCONNECTED, stopped.detail)
                await asyncio.sleep(pause)
        finally:
            decoder.shutdown(wait=False, cancel_futures=True)
        self._finish(stopped.detail)

    async def _open_off_loop(self) -> Capture:
        """Open in a thread (a camera can take a second); one opened after a cancel is released."""
        opening = asyncio.ensure_future(asyncio.to_thread(self._open))
        try:
            return await asyncio.shield(opening)
        except asyncio.CancelledError:

            def release_late(done: asyncio.Future[Capture]) -> None:
                if not done.cancelled() and done.exception() is None:
                    done.result().release()

            opening.add_done_callback(release_late)
            raise

    def _open(self) -> Capture:
        if isinstance(self.source, str) and not os.path.exists(self.source):
            raise CameraError(f"no video file at {self.source}")
        if isinstance(self.source, str) and not os.access(self.source, os.R_OK):
            raise CameraError(f"permission denied on {self.source}")
        capture = self.open_capture(self.source)
        if not capture.isOpened():
            capture.release()
            raise CameraError(self._why_not_opened())
        if not self.is_file:
            for prop, value in (
                (cv2.CAP_PROP_FRAME_WIDTH, self.width),
                (cv2.CAP_PROP_FRAME_HEIGHT, self.height),
                (cv2.CAP_PROP_FPS, self.fps),
            ):
                if value is not None and not capture.set(prop, float(value)):
                    log.info("%s: the camera ignored a request for %s=%s", self.device, prop, value)
        return capture

    def _why_not_opened(self) -> str:
        if isinstance(self.source, str):
            return (
                f"cannot read {self.source} as a video "
                "(not a video file, or a format this OpenCV build cannot decode)"
            )
        node = f"/dev/video{self.source}"
        if sys.platform == "linux" and not os.path.exists(node):
            return f"no camera at index {self.source} ({node} is missing: unplugged?)"
        if sys.platform == "linux" and not os.access(node, os.R_OK | os.W_OK):
            return f"permission denied on {node}: add this user to the video group"
        return f"camera {self.source} cannot be opened (in use by another program?)"

    def _describe(self, capture: Capture) -> str:
        width = int(capture.get(cv2.CAP_PROP_FRAME_WIDTH))
        height = int(capture.get(cv2.CAP_PROP_FRAME_HEIGHT))
        size = f"{width}x{height}" if width and height else "size unknown"
        return f"{size} at {self._frame_rate(capture):g} fps" + (" (loop)" if self.loop else "")

    def _frame_rate(self, capture: Capture) -> float:
        if self.fps is not None:
            return self.fps
        rate = capture.get(cv2.CAP_PROP_FPS)
        return rate if 0 < rate < 1000 else DEFAULT_FILE_FPS

    # -- reading and decoding ----------------------------------------------------

    async def _stream(self, capture: Capture, decoder: ThreadPoolExecutor) -> _Stopped:
        """Decode the newest frames until the reader stops; the capture is released on return."""
        loop = asyncio.get_running_loop()
        slot = _FrameSlot(loop, self.stats)
        halt = threading.Event()
        period = 1 / self._frame_rate(capture) if self.is_file else 0.0
        reader = threading.Thread(
            target=self._read_frames,
            args=(capture, slot, halt, period),
            name=f"frames {self.device}",
            daemon=True,
        )

        def stop_and_release() -> None:
            halt.set()
            if reader.ident is not None:
                reader.join()
            capture.release()

        try:
            self._set_state(ScannerState.READY, self._describe(capture))
            reader.start()
            while True:
                taken = await slot.take()
                if isinstance(taken, _Stopped):
                    return taken
                frame, taken_at = taken
                found = await loop.run_in_executor(decoder, self._decode, frame)
                self._deliver(found, taken_at)
        finally:
            # in a thread (a read in progress is waited for), shielded: the release
            # completes even if the close that got us here is itself cancelled
            await asyncio.shield(asyncio.to_thread(stop_and_release))

    def _read_frames(
        self, capture: Capture, slot: _FrameSlot, halt: threading.Event, period: float
    ) -> None:
        """Reader thread: frames into the slot until halted, the camera goes or the file ends."""
        due = time.monotonic()
        read_this_pass = 0
        try:
            while not halt.is_set():
                ok, frame = capture.read()
                if not ok or frame is None:
                    if not self.is_file:
                        slot.stop(_Stopped("the camera stopped giving frames (unplugged?)"))
                        return
                    if read_this_pass == 0:
                        slot.stop(_Stopped(f"no frame could be read from {self.source}"))
                        return
                    if not self.loop:
                        slot.stop(_Stopped("end of the video file", final=True))
                        return
                    if not capture.set(cv2.CAP_PROP_POS_FRAMES, 0):
                        slot.stop(_Stopped(f"cannot rewind {self.source} to loop it"))
                        return
                    read_this_pass = 0
                    continue
                read_this_pass += 1
                now = time.monotonic()
                slot.put(frame, now)
                if period:  # a file plays at its frame rate, as a camera would give it
                    due = max(due + period, now)
                    halt.wait(due - now)
        except Exception as exc:  # a driver or codec failure: report it, reconnect
            log.exception("%s: reading frames failed", self.device)
            slot.stop(_Stopped(f"reading frames failed: {exc}"))

    def _decode(self, frame: Any) -> list[Decoded]:
        found = decode_detailed(frame, self.symbologies)
        self.stats.frames_decoded += 1
        return found

    def _deliver(self, found: list[Decoded], taken_at: float) -> None:
        for item in found:
            last = self._last_seen.get(item.text)
            self._last_seen[item.text] = taken_at
            if last is not None and taken_at - last < self.dedupe:
                self.stats.repeats += 1
                continue
            self._emit(
                Scan(
                    text=item.text,
                    device=self.device,
                    raw=item.text.encode(),
                    timestamp=taken_at,
                    symbology=Symbology(item.symbology),
                )
            )
        if len(self._last_seen) > 64:
            self._last_seen = {
                text: seen
                for text, seen in self._last_seen.items()
                if taken_at - seen < self.dedupe
            }


def _from_url(url: DeviceUrl) -> CameraScanner:
    source: int | str = int(url.path) if url.path.isdigit() else url.path
    is_file = isinstance(source, str)
    camera_only = [name for name in ("width", "height") if name in url.options]
    if is_file and camera_only:
        raise DeviceUrlError(
            f"{url.text!r}: {' and '.join(camera_only)} choose a camera's resolution; "
            "a video file plays at its own size"
        )
    if not is_file and "loop" in url.options:
        raise DeviceUrlError(f"{url.text!r}: loop plays a video file again; a camera has no end")
    formats = tuple(name for name in url.text_option("formats", "qr,code128").split(",") if name)
    if not formats or not set(formats) <= set(SYMBOLOGIES):
        raise DeviceUrlError(
            f"{url.text!r}: formats takes qr, code128 or both (qr,code128), "
            f"not {url.text_option('formats')!r}"
        )
    fps = url.int_option("fps", 0, 1, 240) if "fps" in url.options else None
    width = url.int_option("width", 0, 16, 8192) if "width" in url.options else None
    height = url.int_option("height", 0, 16, 8192) if "height" in url.options else None
    return CameraScanner(
        source,
        fps=fps,
        width=width,
        height=height,
        dedupe=url.int_option("dedupe", 2000, 0, 600_000) / 1000,
        loop=url.bool_option("loop", False),
        symbologies=formats,
    )


register_scheme(
    SchemeSpec(
        scheme="camera",
        summary="a camera (OpenCV capture index) or a video file, decoded for QR and Code128",
        forms=("camera:0", "camera:///path/clip.mp4?loop=on", "camera:0?width=1280&height=720"),
        factory=_from_url,
        path="required",
        options=(
            Option("fps", "camera: frames per second to ask for; file: playback rate", "own"),
            Option("width", "camera: frame width to ask for, in pixels", "camera's"),
            Option("height", "camera: frame height to ask for, in pixels", "camera's"),
            Option("dedupe", "milliseconds a code must be out of sight to be read again", "2000"),
            Option("loop", "file: play it again from the start when it ends", "off", ("on", "off")),
            Option("formats", "symbologies to look for", "qr,code128", ("qr", "code128")),
        ),
    )
)
