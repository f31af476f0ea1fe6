"""Refunds from the till: journalled first, retried with the same number until definite.

The backend treats ``out_refund_no`` as idempotent, so when an answer is lost
the terminal simply sends the same refund again; it never makes a second
number for the same intent.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

from protocol.errors import ErrorCode, OutcomeUnknown, ScanPayError, ServiceUnavailable, message_for
from protocol.models import RefundView

from .client import ScanPayClient
from .journal import Journal

__all__ = ["RefundResult", "refund", "settle_refunds"]

_RETRY_GAPS_S = (0.5, 1.0, 2.0, 4.0)


@dataclass(frozen=True)
class RefundResult:
    out_refund_no: str
    done: bool
    reason: ErrorCode | None = None
    view: RefundView | None = None
    pending: bool = False  # not confirmed yet; it is retried at the next start or settle

    def message(self, lang: str = "en") -> str:
        zh = lang.lower().startswith("zh")
        if self.done:
            return "退款成功。" if zh else "Refunded."
        if self.pending:
            return (
                "退款已提交，尚未确认；服务恢复后将自动重试。"
                if zh
                else "Refund sent but not confirmed yet; it is retried automatically."
            )
        return message_for(self.reason or ErrorCode.SYSTEM_ERROR, lang)


async def _send_until_definite(
    client: ScanPayClient,
    journal: Journal,
    out_refund_no: str,
    out_trade_no: str,
    amount_fen: int,
    reason: str,
    deadline_s: float,
) -> RefundResult:
    start = time.monotonic()
    n = 0
    while True:
        try:
            view = await client.refund(out_trade_no, out_refund_no, amount_fen, reason)
        except (OutcomeUnknown, ServiceUnavailable):
            pass  # the same number again is safe: the backend refunds it once
        except ScanPayError as exc:
            journal.finish_refund(out_refund_no, done=False, reason=exc.code.value)
            return RefundResult(out_refund_no, False, reason=exc.code)
        else:
            journal.finish_refund(out_refund_no, done=True)
            return RefundResult(out_refund_no, True, view=view)
        elapsed = time.monotonic() - start
        if elapsed >= deadline_s:
            return RefundResult(out_refund_no, False, reason=ErrorCode.NETWORK_ERROR, pending=True)
        await asyncio.sleep(
            min(_RETRY_GAPS_S[min(n, len(_RETRY_GAPS_S) - 1)], deadline_s - elapsed)
        )
        n += 1


async def refund(
    client: ScanPayClient,
    journal: Journal,
    out_trade_no: str,
    amount_fen: int,
    *,
    reason: str = "",
    deadline_s: float = 20.0,
) -> RefundResult:
    """Refund ``amount_fen`` of a paid trade (full or partial)."""
    payment = journal.payment(out_trade_no)
    tender = payment.issuer if payment and payment.issuer else "points"
    out_refund_no = journal.next_number("R")
    journal.begin_refund(out_refund_no, out_trade_no, amount_fen, tender)
    return await _send_until_definite(
        client, journal, out_refund_no, out_trade_no, amount_fen, reason, deadline_s
    )


async def settle_refunds(
    client: ScanPayClient, journal: Journal, *, deadline_s: float = 10.0
) -> list[RefundResult]:
    """Resend every refund whose answer was never seen."""
    return [
        await _send_until_definite(
            client, journal, r.out_refund_no, r.out_trade_no, r.amount_fen, "", deadline_s
        )
        for r in journal.refunds_in_doubt()
    ]
