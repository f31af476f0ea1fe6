"""Many terminals paying with real members' codes, each through the SDK's own payment session.

A :class:`Fleet` is ``tills`` enrolled terminals (``terminal_sdk.Terminal``:
its own identity, signed client and journal on disk), each serving its own
few shoppers in turn. A shopper is a member made through the operator API,
signed in to the wallet (member API) with a PIN set; before each payment
the phone asks the backend for the current code, as the wallet page does,
and the till pays it. A share of the payments is above the no-PIN limit:
the customer types the PIN on the PIN pad (sealed with the backend's key,
like a real pad) after a human pause. Phones talk to the backend directly,
tills through ``terminal_urls`` (a fault proxy, or another instance).

:meth:`Fleet.hold` makes every till stop with the customer mid-payment (a
code shown but not scanned, or a PIN not yet typed) until :meth:`release`:
the clock scenario moves the backend's clock while they wait.
"""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from protocol.pin import PinEnvelope, seal_pin
from terminal_sdk.client import enrol
from terminal_sdk.config import TerminalConfig
from terminal_sdk.session import EventKind, PaymentResult, PinRequest, SessionEvent, SmsCode
from terminal_sdk.terminal import Terminal
from tests.harness import Member, Operator

__all__ = ["Attempt", "Fleet", "Shopper", "Till"]

PIN = "135246"
NO_PIN_FEN = (100, 5_000)
PIN_FEN = (20_001, 40_000)  # above the system's no-PIN limit, CNY 200.00
PIN_TYPING_S = (0.2, 1.5)
BETWEEN_CUSTOMERS_S = (0.02, 0.2)


@dataclass(frozen=True)
class Shopper:
    member_no: str
    token: str  # the wallet session on the phone


@dataclass(frozen=True)
class Attempt:
    """One payment as the till lived it: what ``pay`` returned, and what it went through."""

    out_trade_no: str | None
    amount_fen: int
    paid: bool
    reason: str | None
    reversal_pending: bool
    events: frozenset[EventKind]


@dataclass
class Till:
    index: int
    terminal: Terminal
    shoppers: list[Shopper]
    attempts: list[Attempt] = field(default_factory=list)
    held: bool = False  # held once in the current hold


class Phones:
    """The shoppers' phones: the current payment code from the member API."""

    def __init__(self, backend_url: str) -> None:
        self.http = httpx.AsyncClient(base_url=backend_url, timeout=5.0)
        self.failures = 0

    async def code(self, shopper: Shopper, stop: asyncio.Event) -> str | None:
        """A fresh code; retried while the backend cannot give one. None once stopped."""
        while not stop.is_set():
            try:
                answer = await self.http.post(
                    "/member/v1/code",
                    json={"wallet": "points"},
                    headers={"authorization": f"Bearer {shopper.token}"},
                )
                body = answer.json()
                if body.get("code") == "OK":
                    return str(body["data"]["code"])
            except (httpx.HTTPError, ValueError):
                pass
            self.failures += 1
            await asyncio.sleep(0.2)
        return None

    async def close(self) -> None:
        await self.http.aclose()


class Fleet:
    def __init__(
        self, tills: list[Till], phones: Phones, *, seed: int, pin_share: float = 0.3
    ) -> None:
        self.tills = tills
        self.phones = phones
        self.pin_share = pin_share
        self.in_flight = 0  # payments between the pay request and their result
        self._rngs = [random.Random(seed * 1000 + t.index) for t in tills]
        self._holding = False
        self._released = asyncio.Event()
        self.held = 0

    # -- making one ----------------------------------------------------------------------------

    @classmethod
    async def enrol(
        cls,
        *,
        operator: Operator,
        backend_url: str,
        terminal_urls: list[str],
        base_dir: Path,
        tills: int,
        shoppers_each: int = 2,
        points: int = 10_000_000,
        seed: int = 1,
        request_timeout_s: float = 2.0,
    ) -> Fleet:
        """Enrol ``tills`` terminals (round-robin over ``terminal_urls``) and their shoppers."""
        made: list[Till] = []
        for index in range(tills):
            url = terminal_urls[index % len(terminal_urls)]
            credentials = await enrol(backend_url, operator.activation_code("pos"))
            config = TerminalConfig.model_validate(
                {
                    "backend": {
                        "url": url,
                        "connect_timeout_s": 1.0,
                        "request_timeout_s": request_timeout_s,
                    },
                    "terminal": {"data_dir": str(base_dir / f"till-{index:03d}")},
                }
            )
            shoppers = [
                await asyncio.to_thread(_shopper, operator, backend_url, points)
                for _ in range(shoppers_each)
            ]
            made.append(Till(index, Terminal(config, credentials), shoppers))
        return cls(made, Phones(backend_url), seed=seed)

    async def close(self) -> None:
        for till in self.tills:
            await till.terminal.close()
        await self.phones.close()

    # -- paying --------------------------------------------------------------------------------

    async def run(self, stop: asyncio.Event) -> None:
        """Every till pays customer after customer until ``stop``; the last payment finishes."""
        await asyncio.gather(*(self._serve(till, stop) for till in self.tills))

    async def _serve(self, till: Till, stop: asyncio.Event) -> None:
        rng = self._rngs[till.index]
        turn = 0
        while not stop.is_set():
            shopper = till.shoppers[turn % len(till.shoppers)]
            turn += 1
            hold_code = hold_pin = False
            if self._holding and not till.held:  # this customer is the slow one
                hold_code, hold_pin = till.index % 2 == 0, till.index % 2 == 1
            with_pin = hold_pin or rng.random() < self.pin_share
            amount = rng.randint(*(PIN_FEN if with_pin else NO_PIN_FEN))
            code = await self.phones.code(shopper, stop)
            if code is None:
                return
            if hold_code:
                await self._wait_for_release(till)
            await self._pay(till, code, amount, rng, hold_pin)
            await asyncio.sleep(rng.uniform(*BETWEEN_CUSTOMERS_S))

    async def _pay(
        self, till: Till, code: str, amount: int, rng: random.Random, hold_pin: bool
    ) -> None:
        seen: set[EventKind] = set()

        def note(event: SessionEvent) -> None:
            seen.add(event.kind)

        async def pin_pad(request: PinRequest) -> PinEnvelope | SmsCode | None:
            if hold_pin and not till.held:
                await self._wait_for_release(till)
            else:
                await asyncio.sleep(rng.uniform(*PIN_TYPING_S))
            return seal_pin(PIN, request.trade_ref, request.pin_public_key.encode())

        session = till.terminal.session(pin_source=pin_pad, on_event=note)
        self.in_flight += 1
        try:
            result = await session.pay(code, amount)
        finally:
            self.in_flight -= 1
        till.attempts.append(_attempt(result, amount, seen))

    # -- holding everyone mid-payment -----------------------------------------------------------

    def hold(self) -> None:
        """Each till's next customer stops mid-payment: even tills before the scan, odd at the PIN.

        They wait until :meth:`release`; ``held`` counts those waiting.
        """
        self._released.clear()
        for till in self.tills:
            till.held = False
        self.held = 0
        self._holding = True

    def release(self) -> None:
        self._holding = False
        self._released.set()

    async def _wait_for_release(self, till: Till) -> None:
        till.held = True
        self.held += 1
        await self._released.wait()

    # -- afterwards ----------------------------------------------------------------------------

    async def settle(self, rounds: int = 5) -> int:
        """Every till settles its journal (as at start-up); how many entries are still in doubt."""
        left = 0
        for _ in range(rounds):
            left = 0
            for till in self.tills:
                await till.terminal.settle()
                left += len(till.terminal.in_doubt())
                left += len(till.terminal.journal.refunds_in_doubt())
            if not left:
                break
            await asyncio.sleep(1.0)
        return left

    def went_through(self, kind: EventKind) -> int:
        """How many payments went through this step (a query, a reverse...)."""
        return sum(kind in a.events for t in self.tills for a in t.attempts)

    def reasons(self) -> Counter[str]:
        return Counter(a.reason or "PAID" for t in self.tills for a in t.attempts)


def _attempt(result: PaymentResult, amount: int, seen: set[EventKind]) -> Attempt:
    return Attempt(
        out_trade_no=result.out_trade_no,
        amount_fen=amount,
        paid=result.paid,
        reason=result.reason.value if result.reason else None,
        reversal_pending=result.reversal_pending,
        events=frozenset(seen),
    )


def _shopper(operator: Operator, backend_url: str, points: int) -> Shopper:
    made = operator.create_member(points=points)
    member = Member(backend_url, operator, made["member_no"]).login()
    try:
        member.set_pin(PIN)
        return Shopper(made["member_no"], member.token)
    finally:
        member.close()
