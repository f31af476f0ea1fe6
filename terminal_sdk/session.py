"""The payment session: pay -> (PIN -> confirm) -> a definite result, never "unknown".

Both apps drive this one state machine. Its rules are DESIGN.md section 6:

- the ``out_trade_no`` is journalled before the pay request leaves;
- an answer that may or may not have arrived (timeout, reset, 5xx, a bad
  signature, "user is paying") is followed by queries with the issuer's
  timings (:mod:`terminal_sdk.profiles`); still not final at the deadline,
  the trade is reversed, and the reverse is retried until acknowledged;
- the cashier may stop a waiting payment; that reverses too;
- the result is ``PAID`` or ``NOT_CHARGED`` with the reason.

States and their legal moves are in :data:`TRANSITIONS`; an illegal move raises.
The apps watch :class:`SessionEvent`\\ s to show what is going on.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum

from protocol.errors import (
    ErrorCode,
    OutcomeUnknown,
    PaymentDeclined,
    RequestRejected,
    ScanPayError,
    ServiceUnavailable,
    message_for,
)
from protocol.models import TenderPart, TradeState, TradeView
from protocol.paycode import CodeKind, Issuer, classify, mask
from protocol.pin import PinEnvelope

from .client import ScanPayClient
from .journal import Journal, PaymentEntry, SessionState
from .profiles import QueryProfile, profile_for

__all__ = [
    "TRANSITIONS",
    "EventKind",
    "IllegalTransition",
    "Outcome",
    "PaymentResult",
    "PaymentSession",
    "PinRequest",
    "PinSource",
    "SessionEvent",
    "SmsCode",
    "settle_in_doubt",
]

log = logging.getLogger(__name__)

S = SessionState
TRANSITIONS: dict[SessionState, frozenset[SessionState]] = {
    S.NEW: frozenset({S.PAYING, S.QUERYING, S.NOT_CHARGED}),
    S.PAYING: frozenset({S.PAID, S.NOT_CHARGED, S.WAITING_FOR_PIN, S.QUERYING, S.REVERSING}),
    S.WAITING_FOR_PIN: frozenset({S.CONFIRMING, S.REVERSING}),
    S.CONFIRMING: frozenset({S.PAID, S.NOT_CHARGED, S.WAITING_FOR_PIN, S.QUERYING}),
    S.QUERYING: frozenset({S.PAID, S.NOT_CHARGED, S.WAITING_FOR_PIN, S.REVERSING}),
    S.REVERSING: frozenset({S.PAID, S.NOT_CHARGED}),
    S.PAID: frozenset(),
    S.NOT_CHARGED: frozenset(),
}


class IllegalTransition(RuntimeError):
    pass


class Outcome(StrEnum):
    PAID = "PAID"
    NOT_CHARGED = "NOT_CHARGED"


@dataclass(frozen=True)
class PaymentResult:
    outcome: Outcome
    reason: ErrorCode | None = None
    out_trade_no: str | None = None
    trade: TradeView | None = None
    reversal_pending: bool = False

    @property
    def paid(self) -> bool:
        return self.outcome is Outcome.PAID

    def message(self, lang: str = "en") -> str:
        """One plain sentence for the cashier."""
        zh = lang.lower().startswith("zh")
        if self.paid:
            return "支付成功。" if zh else "Paid."
        text = (
            message_for(self.reason, lang)
            if self.reason
            else ("未扣款。" if zh else "Not charged.")
        )
        if self.reversal_pending:
            text += (
                " 撤销将在服务恢复后自动完成。"
                if zh
                else " The reversal will be completed automatically when the service is back."
            )
        return text


class EventKind(StrEnum):
    SENDING = "SENDING"
    WAITING_FOR_PIN = "WAITING_FOR_PIN"
    PIN_WRONG = "PIN_WRONG"
    PIN_LOCKED = "PIN_LOCKED"
    CONFIRMING = "CONFIRMING"
    QUERYING = "QUERYING"
    REVERSING = "REVERSING"
    RESULT = "RESULT"


@dataclass(frozen=True)
class SessionEvent:
    kind: EventKind
    out_trade_no: str | None = None
    attempts_left: int | None = None
    seconds_left: float | None = None  # until the current deadline
    attempt: int = 0  # query or reverse attempt number
    reason: ErrorCode | None = None
    result: PaymentResult | None = None


@dataclass(frozen=True)
class SmsCode:
    """The one-time code the customer reads out, typed by the cashier or courier."""

    digits: str

    def __repr__(self) -> str:
        return "SmsCode(******)"

    __str__ = __repr__


@dataclass(frozen=True)
class PinRequest:
    """What the PIN pad needs to ask the customer."""

    amount_fen: int
    attempts_left: int | None
    trade_ref: str
    pin_public_key: str
    locked: bool  # PIN payments locked: only the SMS code can confirm
    seconds_left: float


# Returns a sealed PIN, an SMS code, or None when the customer cancelled.
PinSource = Callable[[PinRequest], Awaitable[PinEnvelope | SmsCode | None]]

_REVERSE = object()  # sentinel: give up and reverse


class PaymentSession:
    """One payment. Create, ``await pay(...)``; ``stop()`` from elsewhere to reverse."""

    def __init__(
        self,
        client: ScanPayClient,
        journal: Journal,
        *,
        pin_source: PinSource | None = None,
        on_event: Callable[[SessionEvent], None] | None = None,
        profile: QueryProfile | None = None,
    ) -> None:
        self._client = client
        self._journal = journal
        self._pin_source = pin_source
        self._on_event = on_event
        self._profile_override = profile
        self._profile = profile or profile_for(None)
        self._stop = asyncio.Event()
        self._stop_reason = ErrorCode.CANCELLED
        self.state = S.NEW
        self.out_trade_no: str | None = None
        self._amount_fen = 0
        self._started = 0.0
        self._tender = ""

    # -- public --------------------------------------------------------------------------

    def stop(self) -> None:
        """The cashier stops a waiting payment: it is reversed (nothing charged)."""
        self._stop.set()

    async def pay(
        self,
        scanned: str,
        amount_fen: int,
        *,
        order_no: str = "",
        other_tenders: list[TenderPart] | None = None,
        order_total_fen: int | None = None,
        description: str = "",
        categories: list[str] | None = None,
    ) -> PaymentResult:
        info = classify(scanned)
        if info.kind is CodeKind.MISREAD:
            return self._local_refusal(ErrorCode.CODE_MISREAD)
        if info.kind is CodeKind.NOT_PAYMENT:
            return self._local_refusal(ErrorCode.NOT_A_PAYMENT_CODE)
        issuer = info.issuer or Issuer.POINTS
        self._profile = self._profile_override or profile_for(issuer)
        self._amount_fen = amount_fen
        self._tender = issuer.value
        otn = self._journal.next_number("P")
        self.out_trade_no = otn
        self._journal.begin_payment(
            otn,
            amount_fen=amount_fen,
            issuer=issuer.value,
            code_masked=mask(info.text),
            order_no=order_no,
        )
        self._started = time.monotonic()
        self._move(S.PAYING)
        self._emit(EventKind.SENDING)
        try:
            view: TradeView | None = await self._client.pay(
                out_trade_no=otn,
                payment_code=info.text,
                amount_fen=amount_fen,
                order_total_fen=order_total_fen,
                other_tenders=other_tenders,
                description=description,
                categories=categories,
            )
        except OutcomeUnknown as exc:
            log.info("pay %s: outcome unknown (%s); querying", otn, exc.code)
            view = None
        except ScanPayError as exc:  # a verified "no", or the request never left
            return self._finish(S.NOT_CHARGED, reason=exc.code)
        try:
            return await self._drive(view)
        except (IllegalTransition, ScanPayError, OSError, ValueError):
            # a bug or a broken device must not leave a payment unknown: reverse it
            log.exception("payment %s hit an unexpected error; reversing", otn)
            if self.state.is_final:
                raise
            self.state = S.REVERSING
            return await self._reverse(ErrorCode.SYSTEM_ERROR)

    @classmethod
    async def settle(
        cls,
        client: ScanPayClient,
        journal: Journal,
        entry: PaymentEntry,
        *,
        profile: QueryProfile | None = None,
    ) -> PaymentResult:
        """Bring one in-doubt journal entry to a definite end: query, else reverse."""
        session = cls(client, journal, profile=profile or profile_for(entry.issuer))
        session.out_trade_no = entry.out_trade_no
        session._amount_fen = entry.amount_fen
        session._tender = entry.issuer or Issuer.POINTS.value
        session._started = time.monotonic() - session._profile.deadline_s  # no waiting left
        session.state = entry.state if entry.state is not S.NOT_CHARGED else S.REVERSING
        if session.state in (S.NEW, S.PAYING, S.CONFIRMING, S.WAITING_FOR_PIN):
            session.state = S.QUERYING
        if session.state is S.REVERSING:
            reason = entry.reason if entry.reason in ErrorCode.__members__ else None
            return await session._reverse(ErrorCode(reason) if reason else None)
        try:
            view = await client.query(entry.out_trade_no)
        except ScanPayError:
            return await session._reverse(ErrorCode.PAYMENT_TIMED_OUT)
        if view.state.is_final:
            return session._final(view)
        return await session._reverse(ErrorCode.PAYMENT_TIMED_OUT)

    # -- the machine -----------------------------------------------------------------------

    async def _drive(self, view: TradeView | None) -> PaymentResult:
        while True:
            if view is None or view.state is TradeState.PROCESSING:
                got = await self._query_until_settled()
                if got is _REVERSE:
                    return await self._reverse(self._give_up_reason())
                assert isinstance(got, TradeView)
                view = got
            if view.state.is_final:
                return self._final(view)
            if view.state is TradeState.PIN_REQUIRED:
                got = await self._pin_round(view)
                if got is _REVERSE:
                    return await self._reverse(self._give_up_reason())
                view = got if isinstance(got, TradeView) else None

    async def _pin_round(self, view: TradeView) -> TradeView | object | None:
        self._move(S.WAITING_FOR_PIN)
        locked = view.reason is ErrorCode.PIN_LOCKED
        if view.reason is ErrorCode.PIN_WRONG:
            self._emit(EventKind.PIN_WRONG, attempts_left=view.attempts_left, reason=view.reason)
        if locked:
            self._emit(EventKind.PIN_LOCKED, attempts_left=0, reason=view.reason)
        seconds_left = self._pin_seconds_left(view)
        self._emit(
            EventKind.WAITING_FOR_PIN, attempts_left=view.attempts_left, seconds_left=seconds_left
        )
        if self._pin_source is None or seconds_left <= 0:
            return _REVERSE
        request = PinRequest(
            amount_fen=self._amount_fen,
            attempts_left=view.attempts_left,
            trade_ref=f"{self._client.credentials.terminal_id}:{self.out_trade_no}",
            pin_public_key=self._client.credentials.pin_public_key,
            locked=locked,
            seconds_left=seconds_left,
        )
        try:
            answer = await self._until_stop(self._pin_source(request), seconds_left)
        except Exception:
            log.exception("PIN pad failed during %s", self.out_trade_no)
            self._stop_reason = ErrorCode.PINPAD_FAILED
            self._stop.set()
            return _REVERSE
        if answer is _REVERSE:
            return _REVERSE
        if answer is None:  # the customer cancelled on the pad
            self._stop_reason = ErrorCode.CANCELLED
            self._stop.set()
            return _REVERSE
        self._move(S.CONFIRMING)
        self._emit(EventKind.CONFIRMING)
        self._started = time.monotonic()  # a lost confirm is queried on a fresh deadline
        try:
            if isinstance(answer, SmsCode):
                return await self._client.confirm(self._otn, sms_code=answer.digits)
            assert isinstance(answer, PinEnvelope)
            return await self._client.confirm(self._otn, pin_envelope=answer)
        except ScanPayError as exc:
            log.info("confirm %s: %s; querying", self.out_trade_no, exc.code)
            return None  # whatever it was, the trade itself says where it stands

    async def _query_until_settled(self) -> TradeView | object:
        """Query with the profile's timings; a view that needs no more querying, or _REVERSE."""
        self._move(S.QUERYING)
        first = True
        n = 0
        while True:
            wait = self._profile.first_query_s if first else self._profile.gap(n - 1)
            first = False
            left = self._deadline_left()
            if left <= 0:
                return _REVERSE
            self._emit(EventKind.QUERYING, attempt=n + 1, seconds_left=left)
            if await self._sleep_or_stop(min(wait, left)):
                return _REVERSE
            if self._deadline_left() <= 0 and n > 0:
                return _REVERSE
            n += 1
            try:
                view = await self._client.query(self._otn)
            except RequestRejected as exc:
                if exc.code is ErrorCode.TRADE_NOT_FOUND:
                    return _REVERSE  # never arrived (yet): the reverse makes sure it never will
                continue
            except ScanPayError:
                continue
            if view.state is not TradeState.PROCESSING:
                return view
            if self._deadline_left() <= 0:
                return _REVERSE

    async def _reverse(self, reason: ErrorCode | None) -> PaymentResult:
        """Cancel until the backend acknowledges it; report NOT_CHARGED (or PAID if it says so)."""
        if self.state is not S.REVERSING:
            self._move(S.REVERSING, reason)
        start = time.monotonic()
        n = 0
        while True:
            self._emit(EventKind.REVERSING, attempt=n + 1)
            try:
                view = await self._client.cancel(self._otn, reason=str(reason or ""))
            except RequestRejected as exc:
                if exc.code is ErrorCode.TRADE_NOT_FOUND:
                    return self._finish(S.NOT_CHARGED, reason=reason)
            except (OutcomeUnknown, ServiceUnavailable, PaymentDeclined) as exc:
                log.info("cancel %s: %s; retrying", self.out_trade_no, exc.code)
            else:
                if view.state.is_paid:  # the backend could not reverse it: it stands
                    return self._final(view)
                if view.state.is_final:
                    return self._finish(S.NOT_CHARGED, reason=reason or view.reason, view=view)
            elapsed = time.monotonic() - start
            if elapsed >= self._profile.reverse_deadline_s:
                return self._finish(S.NOT_CHARGED, reason=reason, reversal_pending=True)
            await asyncio.sleep(
                min(self._profile.reverse_gap(n), self._profile.reverse_deadline_s - elapsed)
            )
            n += 1

    # -- helpers ---------------------------------------------------------------------------

    def _final(self, view: TradeView) -> PaymentResult:
        if view.state.is_paid or view.state is TradeState.REFUNDED:
            return self._finish(S.PAID, view=view)
        return self._finish(S.NOT_CHARGED, reason=view.reason, view=view)

    def _finish(
        self,
        state: SessionState,
        *,
        reason: ErrorCode | None = None,
        view: TradeView | None = None,
        reversal_pending: bool = False,
    ) -> PaymentResult:
        if self.state is not state:
            self._move(state)
        if self.out_trade_no is not None:
            self._journal.set_state(
                self.out_trade_no,
                state,
                reason=reason.value if reason else None,
                trade_no=view.trade_no if view else None,
                points=view.points if view else None,
                reversal_pending=reversal_pending,
                tender_line=(self._tender, view.amount_fen) if state is S.PAID and view else None,
            )
        result = PaymentResult(
            outcome=Outcome.PAID if state is S.PAID else Outcome.NOT_CHARGED,
            reason=None if state is S.PAID else reason,
            out_trade_no=self.out_trade_no,
            trade=view,
            reversal_pending=reversal_pending,
        )
        self._emit(EventKind.RESULT, result=result, reason=result.reason)
        return result

    def _local_refusal(self, reason: ErrorCode) -> PaymentResult:
        """Refused on the terminal itself: nothing was sent, nothing journalled."""
        self._move(S.NOT_CHARGED)
        result = PaymentResult(Outcome.NOT_CHARGED, reason=reason)
        self._emit(EventKind.RESULT, result=result, reason=reason)
        return result

    @property
    def _otn(self) -> str:
        if self.out_trade_no is None:
            raise IllegalTransition("no out_trade_no before the pay")
        return self.out_trade_no

    def _give_up_reason(self) -> ErrorCode:
        return self._stop_reason if self._stop.is_set() else ErrorCode.PAYMENT_TIMED_OUT

    def _move(self, new: SessionState, reason: ErrorCode | None = None) -> None:
        """Take a legal step; journal it (final states are journalled by ``_finish``)."""
        if new not in TRANSITIONS[self.state]:
            raise IllegalTransition(f"{self.state} -> {new}")
        self.state = new
        if self.out_trade_no is not None and not new.is_final and new is not S.PAYING:
            self._journal.set_state(self.out_trade_no, new, reason=reason)

    def _emit(self, kind: EventKind, **fields: object) -> None:
        if self._on_event is not None:
            self._on_event(SessionEvent(kind, out_trade_no=self.out_trade_no, **fields))  # type: ignore[arg-type]

    def _deadline_left(self) -> float:
        return self._profile.deadline_s - (time.monotonic() - self._started)

    def _pin_seconds_left(self, view: TradeView) -> float:
        if view.pin_deadline is None:
            return self._profile.deadline_s
        return view.pin_deadline - time.time() - self._profile.pin_margin_s

    async def _sleep_or_stop(self, seconds: float) -> bool:
        """Sleep; True if the cashier stopped meanwhile."""
        if self._stop.is_set():
            return True
        try:
            async with asyncio.timeout(max(seconds, 0)):  # not wait_for: it can swallow a cancel
                await self._stop.wait()
        except TimeoutError:
            return False
        return True

    async def _until_stop(self, awaitable: Awaitable[object], seconds: float) -> object:
        """The awaitable's result, or _REVERSE if the cashier stops or time runs out."""
        task = asyncio.ensure_future(awaitable)
        stopper = asyncio.ensure_future(self._stop.wait())
        try:
            done, _ = await asyncio.wait(
                {task, stopper}, timeout=seconds, return_when=asyncio.FIRST_COMPLETED
            )
        finally:
            stopper.cancel()
        if task in done:
            return task.result()
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):  # the pad's own cleanup
            await task
        return _REVERSE


async def settle_in_doubt(
    client: ScanPayClient,
    journal: Journal,
    *,
    profile: QueryProfile | None = None,
    on_result: Callable[[PaymentEntry, PaymentResult], None] | None = None,
) -> list[PaymentResult]:
    """Settle every in-doubt payment in the journal (run at start-up, before a new payment)."""
    results = []
    for entry in journal.in_doubt():
        result = await PaymentSession.settle(client, journal, entry, profile=profile)
        results.append(result)
        if on_result is not None:
            on_result(entry, result)
    return results
