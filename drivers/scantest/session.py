"""The scripted check: show each test code, wait for the scanner to read it, judge the read.

A read passes when its text is exactly the code shown, a terminal classifies
it as the check expects (``protocol.paycode.classify``: ours, another
issuer's, a misread, not a payment), and the symbology, when the scanner
says it (AIM identifiers, the camera's decoder), is the one shown. A read of
a code from an earlier check (the scanner caught the previous picture again)
is noted and not counted; the check goes on waiting. No read within the
timeout, or a skip, fails the check. Scans go through the driver's one
interface, so the same session runs against every kind of scanner.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from protocol.paycode import classify

from ..scanner import Scan, Scanner, ScannerState
from .codes import Check

__all__ = ["CheckResult", "Verdict", "exit_code", "report_lines", "run_checks"]


class Verdict(StrEnum):
    PASS = "PASS"  # noqa: S105 (a verdict, not a password)
    FAIL = "FAIL"


@dataclass(frozen=True)
class CheckResult:
    check: Check
    verdict: Verdict
    reason: str  # plain words: what was read and why it passed or failed
    read: str | None = None  # the text read, if anything was
    seconds: float = 0.0  # from showing the code to the read that was judged


Prompt = Callable[[int, int, Check], Awaitable[None] | None]
"""Shows check ``i`` of ``n`` to the tech (and, in tests, makes the scanner read)."""


def judge(check: Check, scan: Scan) -> tuple[Verdict, str]:
    """Whether ``scan`` is a correct read of ``check``'s code, and why not."""
    if scan.text != check.text:
        return Verdict.FAIL, f"read {scan.text!r}, expected {check.text!r}{_hint(check, scan)}"
    info = classify(scan.text)
    if (info.kind, info.issuer) != (check.kind, check.issuer):
        issuer = f", {info.issuer.value}" if info.issuer else ""
        return Verdict.FAIL, (
            f"a terminal takes it as {info.kind.value}{issuer}; expected {check.expectation}"
        )
    if scan.symbology is not None and scan.symbology is not check.symbology:
        return Verdict.FAIL, (
            f"the scanner says {scan.symbology.value}, the code shown is "
            f"{check.symbology.value} (did it read another code?)"
        )
    return Verdict.PASS, check.expectation


def _hint(check: Check, scan: Scan) -> str:
    read, shown = scan.text, check.text
    if read.endswith(shown):
        return f": {read[: -len(shown)]!r} came before the code (a prefix the URL does not remove?)"
    if read.startswith(shown):
        return f": {read[len(shown) :]!r} came after the code (a suffix the URL does not expect?)"
    if len(read) != len(shown):
        return f": {len(read)} characters instead of {len(shown)}"
    wrong = sum(a != b for a, b in zip(read, shown, strict=True))
    return f": {wrong} character{'s differ' if wrong > 1 else ' differs'} (a misread)"


async def _next_scan(scanner: Scanner, deadline: float, skip: asyncio.Event) -> Scan | str:
    """The next scan, or why there is none: ``"timeout"``, ``"skipped"``, ``"closed"``."""
    reading = asyncio.ensure_future(scanner.read())
    skipped = asyncio.ensure_future(skip.wait())
    try:
        done, _ = await asyncio.wait(
            {reading, skipped},
            timeout=max(0.0, deadline - time.monotonic()),
            return_when=asyncio.FIRST_COMPLETED,
        )
    finally:
        for task in (reading, skipped):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, StopAsyncIteration):
                await task
    if reading in done and not reading.cancelled():
        try:
            return reading.result()
        except StopAsyncIteration:
            return "closed"
    if skipped in done:
        skip.clear()
        return "skipped"
    return "timeout"


async def run_checks(
    scanner: Scanner,
    checks: Sequence[Check],
    *,
    per_check: float,
    prompt: Prompt,
    note: Callable[[str], None] = lambda line: None,
    skip: asyncio.Event | None = None,
) -> list[CheckResult]:
    """Run ``checks`` in turn on an open scanner; one result per check, in order."""
    skip = skip or asyncio.Event()
    results: list[CheckResult] = []
    earlier: dict[str, str] = {}  # text -> name of the check that showed it
    for i, check in enumerate(checks, 1):
        shown = prompt(i, len(checks), check)
        if shown is not None:
            await shown
        started = time.monotonic()
        deadline = started + per_check
        while True:
            got = await _next_scan(scanner, deadline, skip)
            seconds = time.monotonic() - started
            if isinstance(got, str):
                why = {
                    "timeout": f"nothing read within {per_check:g} s",
                    "skipped": "skipped by the tech",
                    "closed": f"the scanner closed: {scanner.status}",
                }[got]
                if got == "timeout" and scanner.state is not ScannerState.READY:
                    why += f" ({scanner.status})"
                results.append(CheckResult(check, Verdict.FAIL, why, None, seconds))
                break
            if got.text in earlier and got.text != check.text:
                note(f"  read {earlier[got.text]} again; scan the code shown for {check.name}")
                continue
            verdict, reason = judge(check, got)
            results.append(CheckResult(check, verdict, reason, got.text, seconds))
            break
        earlier[check.text] = check.name
        note(f"  {results[-1].verdict.value}: {results[-1].reason}")
    return results


def report_lines(device: str, results: Sequence[CheckResult]) -> list[str]:
    """The closing report: one line per check, then the overall verdict."""
    passed = sum(r.verdict is Verdict.PASS for r in results)
    width = max((len(r.check.name) for r in results), default=0)
    lines = [f"Scanner check of {device}: {passed} of {len(results)} passed"]
    for r in results:
        took = f"  ({r.seconds:.1f} s)" if r.read is not None else ""
        lines.append(f"  {r.verdict.value}  {r.check.name:<{width}}  {r.reason}{took}")
    failed = len(results) - passed
    lines.append(
        "RESULT: PASS" if not failed else f"RESULT: FAIL ({failed} of {len(results)} checks failed)"
    )
    return lines


def exit_code(results: Sequence[CheckResult]) -> int:
    """0 when every check passed, 1 when some failed (2 is the CLI's: usage or device error)."""
    return 0 if results and all(r.verdict is Verdict.PASS for r in results) else 1
