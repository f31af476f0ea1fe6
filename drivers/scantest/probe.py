"""What a scanner really sends, byte by byte: the test tool's view of each scan.

:class:`ByteMonitor` is fed what the driver saw before it cut codes (the
serial driver's ``on_bytes`` chunks, the HID driver's ``on_code`` key
timings) and, for each scan, gives the lines to show: the text, symbology
and AIM identifier, how a terminal classifies it, the bytes in hex and
text, their timing, and the framing found around the code (prefix, suffix:
CR, LF, CRLF, Tab or none) with the URL options that match it. Bytes from
which no code was cut (a suffix the URL does not expect, say) are shown too,
with a guess at their framing. Pure: no I/O, the caller's clock.
"""

from __future__ import annotations

import itertools
import statistics
from dataclasses import dataclass

from protocol.paycode import CodeKind, classify

from ..hid.decoder import DecodedCode
from ..scanner import Scan

__all__ = ["ByteMonitor", "Chunk", "Framing", "find_framing", "guess_suffix", "hex_lines"]

SUFFIX_NAMES = {b"\r\n": "CRLF", b"\r": "CR", b"\n": "LF", b"\t": "Tab", b"": "none"}
_SUFFIX_OPTIONS = {b"\r\n": "crlf", b"\r": "cr", b"\n": "lf", b"\t": "tab", b"": "none"}


@dataclass(frozen=True)
class Chunk:
    """One read from the device, and when it came (``time.monotonic()``)."""

    data: bytes
    at: float


@dataclass(frozen=True)
class Framing:
    """What came around a code: ``prefix`` before it (and its AIM identifier), ``suffix`` after."""

    prefix: bytes
    suffix: bytes

    @property
    def suffix_name(self) -> str:
        return SUFFIX_NAMES.get(self.suffix, f"other: {_bytes_option(self.suffix)}")

    def url_options(self) -> str:
        """The serial URL options that cut codes framed like this."""
        suffix = _SUFFIX_OPTIONS.get(self.suffix) or _bytes_option(self.suffix)
        options = [f"suffix={suffix}"]
        if self.prefix:
            options.append(f"prefix={_bytes_option(self.prefix)}")
        return "&".join(options)

    def describe(self) -> str:
        prefix = _shown(self.prefix) if self.prefix else "none"
        return f"prefix {prefix}, suffix {self.suffix_name}  (URL: ?{self.url_options()})"


def _bytes_option(data: bytes) -> str:
    text = data.decode("ascii", errors="replace")
    if text.isprintable() and "&" not in text and "=" not in text:
        return text
    return "hex:" + data.hex()


def _shown(data: bytes) -> str:
    return f"{data.hex(' ')} ({_bytes_option(data)})"


def find_framing(raw: bytes, core: bytes) -> Framing | None:
    """Split ``raw`` around ``core`` (the code with its AIM identifier); ``None`` if not in it."""
    at = raw.find(core)
    if at < 0 or not core:
        return None
    return Framing(raw[:at], raw[at + len(core) :])


def guess_suffix(data: bytes) -> bytes:
    """The end-of-code bytes ``data`` ends with, ``b""`` for none of CR, LF, CRLF, Tab."""
    for suffix in (b"\r\n", b"\r", b"\n", b"\t"):
        if data.endswith(suffix):
            return suffix
    return b""


def hex_lines(data: bytes, width: int = 16) -> list[str]:
    """``0000  5d 51 31 38  |]Q18|``: offset, bytes in hex, printable ones as text."""
    lines = []
    for at in range(0, len(data), width):
        row = data[at : at + width]
        text = "".join(chr(b) if 0x20 <= b < 0x7F else "." for b in row)
        lines.append(f"{at:04x}  {row.hex(' '):<{width * 3 - 1}}  |{text}|")
    return lines


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def _timing(what: str, count: int, gaps: list[float]) -> str:
    """``19 keys over 38.0 ms; between them min 2.0 / median 2.0 / max 2.2 ms``."""
    if count < 2 or not gaps:
        return f"{count} {what}" if count != 1 else f"1 {what.rstrip('s')}"
    return (
        f"{count} {what} over {_ms(sum(gaps))}; between them min "
        f"{_ms(min(gaps))} / median {_ms(statistics.median(gaps))} / max {_ms(max(gaps))}"
    )


def _chunk_timing(chunks: list[Chunk]) -> str:
    times = [c.at for c in chunks]
    return _timing("reads", len(times), [b - a for a, b in itertools.pairwise(times)])


def _kind(scan: Scan) -> str:
    info = classify(scan.text)
    words = {
        CodeKind.OWN: "our payment code",
        CodeKind.EXTERNAL: "another issuer's payment code",
        CodeKind.MISREAD: "a misread of ours (rejected on the spot)",
        CodeKind.NOT_PAYMENT: "not a payment code",
    }[info.kind]
    return f"{words}, {info.issuer.value}" if info.issuer else words


class ByteMonitor:
    """Matches what the device sent to the scans the driver cut from it. See the module doc."""

    def __init__(self) -> None:
        self._chunks: list[Chunk] = []
        self._codes: list[DecodedCode] = []
        self._keys: list[float] = []
        self.count = 0

    # -- what the driver saw -------------------------------------------------------

    def bytes_received(self, data: bytes, at: float) -> None:
        """The serial driver's ``on_bytes``."""
        self._chunks.append(Chunk(data, at))

    def code_typed(self, code: DecodedCode) -> None:
        """The HID driver's ``on_code``."""
        self._codes.append(code)

    def key_typed(self, at: float) -> None:
        """A key typed into the terminal, as fed to the wedge."""
        self._keys.append(at)

    # -- what to show --------------------------------------------------------------

    def scan_lines(self, scan: Scan) -> list[str]:
        """The lines that show one scan."""
        self.count += 1
        lines = [
            f"scan {self.count}: {scan.text}  ({len(scan.text)} characters from {scan.device})"
        ]
        if scan.aim:
            symbology = scan.symbology.value if scan.symbology else "unknown"
            lines.append(f"  symbology : {symbology} (AIM identifier {scan.aim})")
        elif scan.symbology:
            lines.append(f"  symbology : {scan.symbology.value} (from the decoder)")
        else:
            lines.append(
                "  symbology : not sent (turn on AIM identifiers in the scanner to see it)"
            )
        lines.append(f"  terminal  : {_kind(scan)}")
        core = ((scan.aim or "") + scan.text).encode()
        chunks, noise = self._take(scan.raw)
        if chunks:
            raw = b"".join(c.data for c in chunks)[len(noise) :]
            lines.append(f"  bytes     : {len(raw)} in {_chunk_timing(chunks)}")
            if noise:
                lines.append(f"  noise     : {noise.hex(' ')} before the code (dropped)")
        else:
            raw = scan.raw
            lines.append(f"  bytes     : {len(raw)}")
        code = self._take_code(scan)
        if code is not None:
            keys = _timing("keys", len(code.intervals) + 1, list(code.intervals))
            lines.append(f"  keys      : {keys}")
        elif self._keys:  # the wedge: the keys of this scan, end key included
            times, self._keys = self._keys[-len(scan.raw.decode(errors="replace")) :], []
            gaps = [b - a for a, b in itertools.pairwise(times)]
            lines.append(f"  keys      : {_timing('keys', len(times), gaps)}")
        lines += [f"    {line}" for line in hex_lines(raw)]
        framing = find_framing(raw, core)
        if code is not None:
            lines.append(f"  framing   : ended by {code.ended_by}")
            lines += [f"  note      : {note}" for note in code.notes]
        elif framing is not None and (chunks or raw != core):
            lines.append(f"  framing   : {framing.describe()}")
        return lines

    def stale_lines(self, now: float, quiet: float = 1.5) -> list[str]:
        """Bytes no scan came from, once the line has been quiet for ``quiet`` seconds."""
        if not self._chunks or now - self._chunks[-1].at < quiet:
            return []
        chunks, self._chunks = self._chunks, []
        data = b"".join(c.data for c in chunks)
        lines = [f"bytes with no code cut from them: {len(data)} in {_chunk_timing(chunks)}"]
        lines += [f"    {line}" for line in hex_lines(data)]
        suffix = guess_suffix(data)
        if suffix:
            lines.append(
                f"  they end with {SUFFIX_NAMES[suffix]}: if every code ends so, use "
                f"suffix={_SUFFIX_OPTIONS[suffix]} in the URL"
            )
        else:
            lines.append(
                "  they end with no CR, LF or Tab: if codes end with a pause, use suffix=none; "
                "check the scanner's suffix setting"
            )
        return lines

    def _take(self, raw: bytes) -> tuple[list[Chunk], bytes]:
        """The chunks that carried ``raw`` and the noise before it in them; they are used up."""
        if not raw or not self._chunks:
            return [], b""
        joined = b"".join(c.data for c in self._chunks)
        at = joined.find(raw)
        if at < 0:
            return [], b""
        end, used, size = at + len(raw), [], 0
        while self._chunks and size < end:
            chunk = self._chunks.pop(0)
            if size + len(chunk.data) > end:  # the next code began in the same read
                cut = end - size
                self._chunks.insert(0, Chunk(chunk.data[cut:], chunk.at))
                chunk = Chunk(chunk.data[:cut], chunk.at)
            used.append(chunk)
            size += len(chunk.data)
        return used, joined[:at]

    def _take_code(self, scan: Scan) -> DecodedCode | None:
        for i, code in enumerate(self._codes):
            if code.text.endswith(scan.text):
                del self._codes[: i + 1]
                return code
        return None
