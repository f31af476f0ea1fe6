"""Where one code ends and the next begins in a scanner's byte stream.

Framing lives in a protocol object that is fed bytes (pyserial's
``Packetizer``), not in the port, so every rule here is tested by feeding it
bytes and the serial driver only moves bytes from the port into it.

A scanner ends each code with a suffix (CR, LF, CRLF, Tab or a text of its
own), or with nothing at all, when only a pause tells codes apart. It may put a
prefix before each code. Line noise (a cable half plugged, a scanner booting)
is dropped rather than glued to a code:

- bytes before the prefix, or a frame without it, when a prefix is set;
- an unfinished code with no byte for ``timeout`` seconds (the cable was pulled
  mid-code, or noise with no suffix): dropped, never merged with the next code;
- an unfinished code longer than ``max_length``;
- NUL, DEL and other control bytes, and bytes invalid in the encoding, inside a
  code (:func:`clean_text`); the raw bytes are kept as they came.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["SUFFIXES", "Frame", "ScanFramer", "clean_text", "parse_bytes_option"]

AUTO = b"auto"
SUFFIXES: dict[str, bytes | None] = {
    "auto": AUTO,  # CR, LF or CRLF
    "cr": b"\r",
    "lf": b"\n",
    "crlf": b"\r\n",
    "tab": b"\t",
    "none": None,  # a pause ends the code
}
# GS, RS and EOT separate fields in GS1 and ISO 15434 codes; they are data, not noise.
_KEPT_CONTROLS = {"\t", "\x1d", "\x1e", "\x04"}


def parse_bytes_option(value: str) -> bytes:
    """A prefix or suffix as written in a URL: text, or ``hex:02`` for bytes that are not text."""
    if value.lower().startswith("hex:"):
        return bytes.fromhex(value[4:])
    return value.encode()


@dataclass(frozen=True)
class Frame:
    """One code's bytes: ``body`` without prefix and suffix, ``raw`` as received."""

    body: bytes
    raw: bytes
    end: float  # the clock value of the code's last byte


def clean_text(body: bytes, encoding: str = "utf-8") -> str:
    """The text of a code with line noise removed (see the module docstring)."""
    text = body.decode(encoding, errors="ignore")
    return "".join(
        ch for ch in text if ch in _KEPT_CONTROLS or not (ord(ch) < 0x20 or 0x7F <= ord(ch) < 0xA0)
    )


class ScanFramer:
    """Cuts a byte stream into codes. Feed it with :meth:`data_received`.

    ``suffix`` is the bytes that end a code, ``b"auto"`` for any of CR, LF, CRLF,
    or ``None`` to end a code after ``gap`` seconds of silence. The clock is the
    caller's (``time.monotonic()`` in the driver), so tests pass their own.
    """

    def __init__(
        self,
        *,
        suffix: bytes | None = AUTO,
        prefix: bytes = b"",
        gap: float = 0.05,
        timeout: float = 1.0,
        max_length: int = 8192,
    ) -> None:
        if suffix == b"":
            raise ValueError("an empty suffix would end every code at once; use None")
        self.suffix = suffix
        self.prefix = prefix
        self.gap = gap
        self.timeout = timeout
        self.max_length = max_length
        self._buffer = bytearray()
        self._last = 0.0
        self.dropped = 0  # noise and unfinished codes thrown away, for the test tool

    def data_received(self, data: bytes, now: float) -> list[Frame]:
        """Take bytes read at ``now``; return the codes they complete."""
        frames = self.idle(now)
        if not data:
            return frames
        self._buffer += data
        self._last = now
        if self.suffix is None:
            self._check_length()
            return frames
        while True:
            cut = self._find_suffix()
            if cut is None:
                break
            start, end = cut
            frame = self._make_frame(bytes(self._buffer[:start]), bytes(self._buffer[:end]), now)
            del self._buffer[:end]
            if frame is not None:
                frames.append(frame)
        self._check_length()
        return frames

    def idle(self, now: float) -> list[Frame]:
        """Let time pass: end a code by silence (no suffix), or drop a stale unfinished one."""
        if not self._buffer:
            return []
        silent = now - self._last
        if self.suffix is None and silent >= self.gap:
            raw = bytes(self._buffer)
            self._buffer.clear()
            frame = self._make_frame(raw, raw, self._last)
            return [frame] if frame is not None else []
        if self.suffix is not None and silent >= self.timeout:
            self.reset()
        return []

    def deadline(self) -> float | None:
        """When :meth:`idle` has work to do next (``None``: not until more bytes come)."""
        if not self._buffer:
            return None
        return self._last + (self.gap if self.suffix is None else self.timeout)

    def reset(self) -> bytes:
        """Drop an unfinished code (the device went away); returns what was dropped."""
        dropped = bytes(self._buffer)
        if dropped:
            self.dropped += 1
        self._buffer.clear()
        return dropped

    @property
    def pending(self) -> bytes:
        return bytes(self._buffer)

    def _find_suffix(self) -> tuple[int, int] | None:
        """(end of body, end of frame) of the first complete code in the buffer."""
        if self.suffix == AUTO:
            for i, byte in enumerate(self._buffer):
                if byte == 0x0D and self._buffer[i + 1 : i + 2] == b"\n":
                    return i, i + 2
                if byte in (0x0D, 0x0A):
                    return i, i + 1  # an LF read apart from its CR makes an empty code: dropped
            return None
        assert self.suffix is not None
        i = self._buffer.find(self.suffix)
        return None if i < 0 else (i, i + len(self.suffix))

    def _make_frame(self, body: bytes, raw: bytes, end: float) -> Frame | None:
        if self.prefix:
            at = body.find(self.prefix)
            if at < 0:
                if body.strip(b"\r\n"):
                    self.dropped += 1
                return None
            if at:
                self.dropped += 1  # noise before the prefix
            body = body[at + len(self.prefix) :]
        if not body:
            return None
        return Frame(body=body, raw=raw, end=end)

    def _check_length(self) -> None:
        if len(self._buffer) > self.max_length:
            self.reset()
