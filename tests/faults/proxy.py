"""A real TCP proxy between terminals and the backend that delays, drops and cuts, as scripted.

It listens on a loopback port and opens one connection to the backend for
each connection it accepts, so the terminals' HTTP client and the backend
see real sockets that misbehave, not a swapped transport. HTTP/1.1 clients
send a request and wait for the whole answer before the next one on the same
connection, so the first bytes from the client after an answer start a new
request, and the first bytes from the backend after a request start its
answer. For each request the plan picks one :class:`Fault`:

- ``PASS``: both ways untouched;
- ``DELAY``: the answer is held ``delay_s`` before it is forwarded (beyond the
  terminal's request timeout it becomes a timeout, the answer already
  committed on the backend);
- ``DROP``: the answer is swallowed and the connection left silent, as when
  packets are lost, until the terminal gives up and closes it;
- ``CUT``: half the answer is forwarded, then the connection is closed;
- ``LOSE_REQUEST``: the request never reaches the backend; the connection is
  closed at once.

``hits`` counts what was done. The proxy runs on the caller's event loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

__all__ = ["Decision", "Fault", "FaultProxy", "Plan", "passing", "shuffled_plan"]

CHUNK = 65536
SILENT_FOR_AT_MOST_S = 60.0


class Fault(StrEnum):
    PASS = "pass"
    DELAY = "delay"
    DROP = "drop"
    CUT = "cut"
    LOSE_REQUEST = "lose_request"


@dataclass(frozen=True)
class Decision:
    fault: Fault
    delay_s: float = 0.0


Plan = Callable[[], Decision]


def shuffled_plan(
    seed: int,
    deck: dict[Fault, int] | None = None,
    delays_s: tuple[float, float] = (0.2, 3.0),
) -> Plan:
    """Faults dealt from a shuffled deck, reshuffled when empty: every kind comes up in each deck.

    The default deck of 20 requests: 12 pass, 2 delayed, 2 dropped, 2 cut, 2 lost.
    """
    cards = [
        fault
        for fault, n in (deck or {Fault.PASS: 12, Fault.DELAY: 2, Fault.DROP: 2, Fault.CUT: 2,
                                  Fault.LOSE_REQUEST: 2}).items()
        for _ in range(n)
    ]  # fmt: skip
    rng = random.Random(seed)
    dealt: list[Fault] = []

    def plan() -> Decision:
        if not dealt:
            dealt.extend(cards)
            rng.shuffle(dealt)
        fault = dealt.pop()
        return Decision(fault, rng.uniform(*delays_s) if fault is Fault.DELAY else 0.0)

    return plan


def passing() -> Decision:
    return Decision(Fault.PASS)


class FaultProxy:
    """``127.0.0.1:port`` -> ``upstream``; ``plan`` may be swapped at any time."""

    def __init__(self, upstream_host: str, upstream_port: int, plan: Plan = passing) -> None:
        self.upstream = (upstream_host, upstream_port)
        self.plan = plan
        self.hits: Counter[Fault] = Counter()
        self.port = 0
        self._server: asyncio.Server | None = None
        self._connections: set[asyncio.Task[None]] = set()
        self._links: set[_Link] = set()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> FaultProxy:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
        for link in list(self._links):
            link.done.set()  # each handler then closes its two sockets and returns
        await asyncio.gather(*self._connections, return_exceptions=True)

    async def _accept(self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._connections.add(task)
        try:
            await self._serve(client_r, client_w)
        finally:
            self._connections.discard(task)
            _close(client_w)

    async def _serve(self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        try:
            up_r, up_w = await asyncio.open_connection(*self.upstream)
        except OSError:
            return  # backend down: the terminal sees its connection closed
        link = _Link(self, client_r, client_w, up_r, up_w)
        self._links.add(link)
        try:
            await link.run()
        finally:
            self._links.discard(link)
            _close(up_w)


class _Link:
    """One proxied connection: the requests and answers on it, with their faults."""

    def __init__(
        self,
        proxy: FaultProxy,
        client_r: asyncio.StreamReader,
        client_w: asyncio.StreamWriter,
        up_r: asyncio.StreamReader,
        up_w: asyncio.StreamWriter,
    ) -> None:
        self.proxy = proxy
        self.client_r, self.client_w = client_r, client_w
        self.up_r, self.up_w = up_r, up_w
        self.answering = True  # True between requests: the next client bytes start one
        self.decision = Decision(Fault.PASS)
        self.silent = False  # DROP: nothing more reaches the client
        self.done = asyncio.Event()

    async def run(self) -> None:
        tasks = [asyncio.create_task(self._requests()), asyncio.create_task(self._answers())]
        try:
            await self.done.wait()
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    async def _requests(self) -> None:
        try:
            while data := await self.client_r.read(CHUNK):
                if self.answering:  # a new request begins
                    self.answering = False
                    self.decision = self.proxy.plan()
                    self.proxy.hits[self.decision.fault] += 1
                    if self.decision.fault is Fault.LOSE_REQUEST:
                        return
                if self.silent:
                    continue
                self.up_w.write(data)
                await self.up_w.drain()
        except (OSError, asyncio.IncompleteReadError):
            pass
        finally:
            self.done.set()

    async def _answers(self) -> None:
        try:
            while data := await self.up_r.read(CHUNK):
                if not self.answering:  # the first bytes of this request's answer
                    self.answering = True
                    fault = self.decision.fault
                    if fault is Fault.DELAY:
                        await asyncio.sleep(self.decision.delay_s)
                    elif fault is Fault.CUT:
                        self.client_w.write(data[: max(1, len(data) // 2)])
                        await self.client_w.drain()
                        return
                    elif fault is Fault.DROP:
                        self.silent = True
                        _close(self.up_w)
                        await asyncio.sleep(SILENT_FOR_AT_MOST_S)  # until the client hangs up
                        return
                self.client_w.write(data)
                await self.client_w.drain()
        except (OSError, asyncio.IncompleteReadError):
            pass
        finally:
            self.done.set()


def _close(writer: asyncio.StreamWriter) -> None:
    with contextlib.suppress(Exception):
        writer.close()
