"""The heartbeat: this terminal's state for store IT, every interval and at once on a change.

What is sent: the app and its version, each device (its URL without
passwords or tokens, its state, the last error in plain words, the last
scan), the payments in doubt in the journal, sign-offs still queued (a
handheld), and how far this terminal's clock is from the backend's. The
answer names the next interval and whether store IT wants the secret
rotated. A heartbeat that fails is simply sent again at the next interval:
nothing depends on it arriving.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qsl, urlencode

from protocol.errors import ScanPayError
from protocol.models import HeartbeatResponse

from .client import ScanPayClient

__all__ = ["HeartbeatLoop", "safe_url"]

log = logging.getLogger(__name__)

_SECRET_WORDS = ("pass", "secret", "token", "key", "pin")


def safe_url(url: str) -> str:
    """``url`` without a user's password and without query values that look like secrets."""
    base, _, query = url.partition("?")
    if "://" in base:
        scheme, rest = base.split("://", 1)
        netloc, slash, path = rest.partition("/")
        base = f"{scheme}://{netloc.rsplit('@', 1)[-1]}{slash}{path}"
    pairs = [
        (k, "***" if any(w in k.lower() for w in _SECRET_WORDS) else v)
        for k, v in parse_qsl(query, keep_blank_values=True)
    ]
    return (f"{base}?{urlencode(pairs, safe='*:/')}" if pairs else base)[:256]


class HeartbeatLoop:
    """Sends ``report()`` every interval (the backend's answer sets it) and when poked.

    ``on_answer`` gets each answer (to act on a rotation request);
    ``on_refused`` each refusal (a terminal switched off learns it here too).
    """

    def __init__(
        self,
        client: ScanPayClient,
        report: Callable[[], dict[str, Any]],
        *,
        interval_s: float = 30.0,
        on_answer: Callable[[HeartbeatResponse], Awaitable[None]] | None = None,
        on_refused: Callable[[ScanPayError], None] | None = None,
    ) -> None:
        self.client = client
        self.report = report
        self.interval_s = interval_s
        self.on_answer = on_answer
        self.on_refused = on_refused
        self.sent = 0
        self._wake = asyncio.Event()

    def poke(self) -> None:
        """Send one now (a device's state changed)."""
        self._wake.set()

    async def send_once(self) -> HeartbeatResponse | None:
        try:
            answer = await self.client.heartbeat(self.report())
        except ScanPayError as exc:
            log.info("heartbeat not delivered: %s", exc.code)
            if self.on_refused is not None:
                self.on_refused(exc)
            return None
        self.sent += 1
        self.interval_s = max(1.0, float(answer.interval_s))
        if self.on_answer is not None:
            await self.on_answer(answer)
        return answer

    async def run(self) -> None:
        """Until cancelled."""
        while True:
            self._wake.clear()
            await self.send_once()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.interval_s)
