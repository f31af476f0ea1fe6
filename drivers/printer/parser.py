"""ESC/POS as a printer reads it: a protocol object fed bytes, giving what would be printed.

The emulator's core, tested by feeding bytes. It knows the commands
python-escpos sends (text and its styles, GB18030 in Chinese mode, Code128
and other barcodes, native QR codes, raster images, cut, the drawer pulse,
the real-time status requests) and the length of the other common ones, so
it never loses its place; a byte it cannot place is counted as garbage and
skipped. Commands may arrive split across any number of reads.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass, field

from PIL import Image

__all__ = ["EscPosParser", "Event"]

ESC, GS, FS, DLE = 0x1B, 0x1D, 0x1C, 0x10

# ESC x: how many parameter bytes follow (those not here are handled below)
_ESC_ARGS = {
    0x40: 0, 0x61: 1, 0x45: 1, 0x2D: 1, 0x21: 1, 0x4D: 1, 0x74: 1, 0x64: 1, 0x4A: 1,
    0x32: 0, 0x33: 1, 0x70: 3, 0x7B: 1, 0x47: 1, 0x56: 1, 0x52: 1, 0x20: 1, 0x24: 2,
    0x55: 1, 0x72: 1, 0x69: 0, 0x6D: 0, 0x3D: 1, 0x25: 1, 0x53: 0, 0x4C: 0, 0x54: 1,
    0x5C: 2, 0x65: 1, 0x42: 2, 0x43: 1, 0x4B: 1,
}  # fmt: skip
# GS x: fixed parameter bytes
_GS_ARGS = {
    0x21: 1, 0x42: 1, 0x68: 1, 0x77: 1, 0x66: 1, 0x48: 1, 0x4C: 2, 0x57: 2, 0x61: 1,
    0x72: 1, 0x62: 1, 0x50: 2, 0x49: 1, 0x24: 2, 0x5C: 2, 0x2F: 1, 0x3A: 0,
}  # fmt: skip
_FS_ARGS = {0x26: 0, 0x2E: 0, 0x21: 1, 0x43: 1, 0x57: 1, 0x2D: 1, 0x53: 2, 0x70: 2}
_CODEPAGES = {0: "cp437", 2: "cp850", 16: "cp1252", 17: "cp866", 19: "cp858"}


@dataclass(frozen=True)
class Event:
    """One thing the printer did: ``kind`` is text, newline, barcode, qr, image, cut, drawer,
    status (``value`` = n of DLE EOT n), init or style; ``image`` holds a raster picture."""

    kind: str
    value: str | int = ""
    image: Image.Image | None = field(default=None, compare=False)


class _Incomplete(Exception):
    """More bytes are needed before the command at the start of the buffer can be read."""


class EscPosParser:
    """Feed it bytes with :meth:`feed`; it returns the events those bytes complete."""

    def __init__(self) -> None:
        self._buffer = bytearray()
        self.chinese = False
        self.codepage = "cp437"
        self.garbage = 0
        self._qr_data = ""
        self._decoder = codecs.getincrementaldecoder("gb18030")(errors="replace")

    def feed(self, data: bytes) -> list[Event]:
        self._buffer += data
        events: list[Event] = []
        while self._buffer:
            try:
                used, found = self._one(self._buffer)
            except _Incomplete:
                break
            del self._buffer[:used]
            events += found
        return events

    # -- one command or run of text ------------------------------------------------------

    def _need(self, buf: bytearray, n: int) -> None:
        if len(buf) < n:
            raise _Incomplete

    def _one(self, buf: bytearray) -> tuple[int, list[Event]]:
        first = buf[0]
        if first == 0x0A:
            return 1, [Event("newline")]
        if first in (0x0D, 0x00):
            return 1, []
        if first == 0x09:
            return 1, [Event("text", "    ")]
        if first == ESC:
            return self._esc(buf)
        if first == GS:
            return self._gs(buf)
        if first == FS:
            return self._fs(buf)
        if first == DLE:
            return self._dle(buf)
        if first < 0x20 or first == 0x7F:
            self.garbage += 1
            return 1, []
        end = 1
        while end < len(buf) and buf[end] >= 0x20 and buf[end] != 0x7F:
            end += 1
        raw = bytes(buf[:end])
        if self.chinese:
            text = self._decoder.decode(raw)
        else:
            text = raw.decode(self.codepage, errors="replace")
        return end, [Event("text", text)] if text else []

    def _esc(self, buf: bytearray) -> tuple[int, list[Event]]:
        self._need(buf, 2)
        cmd = buf[1]
        if cmd == 0x2A:  # ESC * m nL nH data: a column image
            self._need(buf, 5)
            width = buf[3] | buf[4] << 8
            size = width * (3 if buf[2] >= 32 else 1)
            self._need(buf, 5 + size)
            return 5 + size, [Event("image", f"{width}x?")]
        if cmd not in _ESC_ARGS:
            self.garbage += 1
            return 1, []
        n = _ESC_ARGS[cmd]
        self._need(buf, 2 + n)
        args = buf[2 : 2 + n]
        if cmd == 0x40:
            self.chinese = False
            self.codepage = "cp437"
            return 2, [Event("init")]
        if cmd == 0x70:
            return 5, [Event("drawer", 2 if args[0] in (0, 0x30) else 5)]
        if cmd == 0x74:
            self.codepage = _CODEPAGES.get(args[0], "cp437")
        if cmd == 0x64:
            return 3, [Event("newline")] * args[0]
        return 2 + n, [Event("style", chr(cmd))]

    def _gs(self, buf: bytearray) -> tuple[int, list[Event]]:
        self._need(buf, 2)
        cmd = buf[1]
        if cmd == 0x56:  # GS V m [n]: cut
            self._need(buf, 3)
            size = 4 if buf[2] in (65, 66, 97, 98, 103, 104) else 3
            self._need(buf, size)
            return size, [Event("cut")]
        if cmd == 0x6B:  # GS k: a barcode
            return self._barcode(buf)
        if cmd == 0x28:  # GS ( x pL pH data
            self._need(buf, 5)
            size = 5 + (buf[3] | buf[4] << 8)
            self._need(buf, size)
            return size, self._function(buf[2], bytes(buf[5:size]))
        if cmd == 0x76:  # GS v 0 m xL xH yL yH data: a raster image
            self._need(buf, 8)
            width_bytes, height = buf[4] | buf[5] << 8, buf[6] | buf[7] << 8
            size = 8 + width_bytes * height
            self._need(buf, size)
            image = Image.frombytes("1", (width_bytes * 8, height), bytes(buf[8:size]))
            image = Image.eval(image.convert("L"), lambda v: 255 - v).convert("1")
            return size, [Event("image", f"{width_bytes * 8}x{height}", image)]
        if cmd not in _GS_ARGS:
            self.garbage += 1
            return 1, []
        self._need(buf, 2 + _GS_ARGS[cmd])
        return 2 + _GS_ARGS[cmd], [Event("style", chr(cmd))]

    def _barcode(self, buf: bytearray) -> tuple[int, list[Event]]:
        self._need(buf, 3)
        kind = buf[2]
        if kind <= 6:  # function A: data ends with NUL
            end = buf.find(0, 3)
            if end < 0:
                raise _Incomplete
            return end + 1, [Event("barcode", bytes(buf[3:end]).decode("ascii", "replace"))]
        self._need(buf, 4)
        size = 4 + buf[3]
        self._need(buf, size)
        data = bytes(buf[4:size]).decode("ascii", "replace")
        if kind == 73:  # Code128: drop the code set switches
            data = data.replace("{A", "").replace("{B", "").replace("{C", "").replace("{{", "{")
        return size, [Event("barcode", data)]

    def _function(self, fn: int, body: bytes) -> list[Event]:
        if fn == ord("k") and body[:1] == b"1":  # QR: store data (P), print (Q)
            if body[1:2] == b"P":
                self._qr_data = body[3:].decode("utf-8", "replace")
            elif body[1:2] == b"Q":
                return [Event("qr", self._qr_data)]
        return []

    def _fs(self, buf: bytearray) -> tuple[int, list[Event]]:
        self._need(buf, 2)
        cmd = buf[1]
        if cmd not in _FS_ARGS:
            self.garbage += 1
            return 1, []
        if cmd == 0x26:
            self.chinese = True
        elif cmd == 0x2E:
            self.chinese = False
        size = 2 + _FS_ARGS[cmd]
        self._need(buf, size)
        return size, []

    def _dle(self, buf: bytearray) -> tuple[int, list[Event]]:
        self._need(buf, 2)
        if buf[1] == 0x04:  # DLE EOT n: real-time status
            self._need(buf, 3)
            return 3, [Event("status", buf[2])]
        if buf[1] == 0x14:  # DLE DC4 fn m t: real-time drawer pulse
            self._need(buf, 5)
            return 5, [Event("drawer", 2 if buf[3] == 0 else 5)]
        if buf[1] == 0x05:  # DLE ENQ n
            self._need(buf, 3)
            return 3, []
        self.garbage += 1
        return 1, []
