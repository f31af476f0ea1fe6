"""Sending queued sign-offs: each until the backend has it or refuses it for a reason of its own.

A sign-off that cannot be delivered now (no connection, an answer that may
have been lost, a busy service, a device problem such as a wrong clock)
stays queued and is sent again later with the same content; the backend
takes the same sign-off twice as once. Only a refusal about the order itself
(not found, a payment that is not the order's, signed off otherwise) takes
it out of the queue, as ``REFUSED`` with the reason, for the courier to see.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from protocol.errors import ErrorCode, PaymentDeclined, RequestRejected, ScanPayError
from terminal_sdk.client import ScanPayClient

from .localstore import LocalStore, SignOff

__all__ = ["SendReport", "send_queued"]

log = logging.getLogger(__name__)

ORDER_REFUSALS = frozenset(
    {
        ErrorCode.ORDER_NOT_FOUND,
        ErrorCode.ORDER_PAYMENT_MISMATCH,
        ErrorCode.ORDER_ALREADY_SIGNED_OFF,
        ErrorCode.BAD_REQUEST,
    }
)


@dataclass
class SendReport:
    sent: list[str] = field(default_factory=list)
    refused: dict[str, ErrorCode] = field(default_factory=dict)
    waiting: int = 0  # still queued
    problem: ErrorCode | None = None  # why sending stopped, if it did


async def send_one(client: ScanPayClient, store: LocalStore, item: SignOff) -> ErrorCode | None:
    """Send one sign-off; None when the backend has it. Updates the store either way."""
    store.mark_tried(item.order_no)
    try:
        await client.cod_sign_off(
            item.order_no,
            item.recipient_name,
            out_trade_no=item.out_trade_no,
            paid_cash=item.paid_cash,
        )
    except (RequestRejected, PaymentDeclined) as exc:
        if exc.code in ORDER_REFUSALS:
            store.mark_refused(item.order_no, exc.code.value)
        return exc.code
    except ScanPayError as exc:  # unreachable, busy, or an answer that may have been lost
        return exc.code
    store.mark_sent(item.order_no)
    return None


async def send_queued(client: ScanPayClient, store: LocalStore) -> SendReport:
    """Send what is queued, oldest first; stop at the first sign-off that cannot go now."""
    report = SendReport()
    for item in store.queued():
        code = await send_one(client, store, item)
        if code is None:
            report.sent.append(item.order_no)
        elif code in ORDER_REFUSALS:
            report.refused[item.order_no] = code
        else:
            log.info("sign-off %s stays queued: %s", item.order_no, code)
            report.problem = code
            break
    report.waiting = len(store.queued())
    return report
