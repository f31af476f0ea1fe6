"""The serial PIN pad's frames (drivers/pinpad/PROTOCOL.md), as bytes in and events out.

No port here: :class:`FrameDecoder` is fed whatever bytes arrived and returns
what they made (a frame, an ACK, a NAK, a bad frame), in the manner of
pyserial's ``Packetizer``, so the framing is tested by feeding bytes::

    STX | SEQ | CMD | DATA ... | ETX | LRC

``SEQ`` is ``0`` or ``1`` (ASCII), ``CMD`` one ASCII capital letter, ``DATA``
text fields separated by FS (0x1C) with no other control byte, and ``LRC``
the XOR of every byte after STX up to and including ETX.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

__all__ = [
    "ACK",
    "ETX",
    "FS",
    "MAX_DATA",
    "NAK",
    "STX",
    "Ack",
    "BadFrame",
    "Frame",
    "FrameDecoder",
    "FrameEvent",
    "Nak",
    "encode_frame",
    "lrc",
]

STX, ETX, ACK, NAK, FS = 0x02, 0x03, 0x06, 0x15, 0x1C
MAX_DATA = 2048
INTER_BYTE_TIMEOUT = 0.5


def lrc(body: bytes | bytearray) -> int:
    """XOR of ``body`` (SEQ, CMD, DATA and ETX: everything between STX and the LRC)."""
    value = 0
    for byte in body:
        value ^= byte
    return value


def _data_byte_ok(byte: int) -> bool:
    return byte == FS or (byte >= 0x20 and byte != 0x7F)


@dataclass(frozen=True)
class Frame:
    seq: int
    command: str
    data: bytes = b""

    def fields(self) -> list[str]:
        """The FS-separated text fields (UTF-8); ``[""]`` for an empty frame."""
        return self.data.decode("utf-8", errors="replace").split(chr(FS))

    def __repr__(self) -> str:  # data may hold a key or an envelope: length only
        return f"Frame(seq={self.seq}, command={self.command!r}, {len(self.data)} bytes)"


@dataclass(frozen=True)
class Ack:
    pass


@dataclass(frozen=True)
class Nak:
    pass


@dataclass(frozen=True)
class BadFrame:
    """A frame that arrived damaged: answer NAK so the sender repeats it."""

    reason: str


FrameEvent = Frame | Ack | Nak | BadFrame


def encode_frame(seq: int, command: str, fields: Sequence[str] = ()) -> bytes:
    """The bytes of one frame; raises ``ValueError`` for what the protocol cannot carry."""
    if seq not in (0, 1):
        raise ValueError("SEQ is 0 or 1")
    if len(command) != 1 or not ("A" <= command <= "Z"):
        raise ValueError("a command is one capital letter")
    data = chr(FS).join(fields).encode("utf-8")
    if len(data) > MAX_DATA:
        raise ValueError(f"frame data is at most {MAX_DATA} bytes")
    if not all(_data_byte_ok(b) for b in data) or any(chr(FS) in f for f in fields):
        raise ValueError("frame fields must not contain control characters")
    body = bytes([0x30 + seq, ord(command)]) + data + bytes([ETX])
    return bytes([STX]) + body + bytes([lrc(body)])


class FrameDecoder:
    """Feed bytes, get events. Keeps the partial frame between calls.

    Outside a frame, ACK and NAK are events and any other byte but STX is
    line noise (skipped). Inside a frame, a new STX starts over (the partial
    one is reported bad); a damaged frame is read up to its ETX and LRC and
    reported once, so its LRC byte is never mistaken for an ACK. A frame
    that stalls longer than ``inter_byte_timeout`` is dropped as bad.
    """

    def __init__(self, inter_byte_timeout: float = INTER_BYTE_TIMEOUT) -> None:
        self.inter_byte_timeout = inter_byte_timeout
        self._body: bytearray | None = None  # between STX and ETX
        self._damage: str | None = None
        self._awaiting_lrc = False
        self._last_byte_at = 0.0

    @property
    def in_frame(self) -> bool:
        return self._body is not None

    def reset(self) -> None:
        self._body, self._damage, self._awaiting_lrc = None, None, False

    def feed(self, data: bytes, now: float | None = None) -> list[FrameEvent]:
        events: list[FrameEvent] = []
        if (
            now is not None
            and self._body is not None
            and data
            and now - self._last_byte_at > self.inter_byte_timeout
        ):
            self.reset()
            events.append(BadFrame("frame stalled before its end"))
        if now is not None and data:
            self._last_byte_at = now
        for byte in data:
            event = self._byte(byte)
            if event is not None:
                events.append(event)
        return events

    def _byte(self, byte: int) -> FrameEvent | None:
        body = self._body
        if body is None:
            if byte == STX:
                self._body = bytearray()
            elif byte == ACK:
                return Ack()
            elif byte == NAK:
                return Nak()
            return None
        if self._awaiting_lrc:
            return self._finish(body, byte)
        if byte == STX:
            self._body = bytearray()
            self._damage = None
            return BadFrame("frame cut short by a new STX")
        if byte == ETX:
            body.append(byte)
            self._awaiting_lrc = True
            return None
        if len(body) < 2:
            if len(body) == 0 and byte not in (0x30, 0x31):
                self._damage = self._damage or "bad sequence byte"
            if len(body) == 1 and not (0x41 <= byte <= 0x5A):
                self._damage = self._damage or "bad command byte"
        elif not _data_byte_ok(byte):
            self._damage = self._damage or "control byte inside a frame"
        if len(body) > MAX_DATA + 2:
            self.reset()
            return BadFrame("frame too long")
        body.append(byte)
        return None

    def _finish(self, body: bytearray, check: int) -> FrameEvent:
        damage = self._damage
        self.reset()
        if damage is None and len(body) < 3:
            damage = "frame too short"
        if damage is None and lrc(body) != check:
            damage = "LRC mismatch"
        if damage is not None:
            return BadFrame(damage)
        return Frame(seq=body[0] - 0x30, command=chr(body[1]), data=bytes(body[2:-1]))
