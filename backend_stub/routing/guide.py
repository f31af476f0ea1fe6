"""Guide routing (seed 001 "引导路由"): which ways to pay a till may offer for an order, in order.

One call before the till takes payment. For the order's amount and product
categories, and the terminal's merchant, store and kind, every tender in the
configured order is either offered or hidden with its reason:

- ``ISSUER_NOT_SUPPORTED``: the merchant has not signed for it (``guide.merchants``,
  or no logical channel for that issuer covers the merchant);
- ``TENDER_NOT_ALLOWED``: not for this terminal kind, or a category of the
  order excludes it (``deny``, or an ``only`` list without it);
- ``AMOUNT_OUT_OF_RANGE``: over the wallet's per-trade maximum, or outside
  every channel's amount range or what is left of its daily limit;
- ``CHANNEL_MAINTENANCE`` / ``CHANNEL_UNAVAILABLE``: every channel for it is
  in maintenance, or taken out by health or an open breaker.

``pay`` applies the same merchant, kind and category rules, so a tender the
guide hides is refused at payment too.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.engine import Connection

from backend_stub.clock import business_day
from backend_stub.context import Backend, Call
from protocol.errors import ErrorCode, message_for
from protocol.models import GuideRequest, GuideResponse, GuideTender, Tender
from protocol.paycode import Issuer

from . import health as channel_state
from .config import EXTERNAL_ISSUERS, RoutingConfig
from .plan import Order
from .versions import active

__all__ = ["guide", "tender_refusal"]

_EXTERNAL_TENDERS = {Tender(i.value) for i in EXTERNAL_ISSUERS}


def tender_refusal(
    config: RoutingConfig,
    tender: Tender,
    merchant_id: str,
    terminal_kind: str,
    categories: Sequence[str],
) -> ErrorCode | None:
    """Why ``tender`` cannot pay this order at this terminal, by the guide rules; None if it can."""
    rules = config.guide
    signed = rules.merchants.get(merchant_id)
    if signed is not None and tender not in signed:
        return ErrorCode.ISSUER_NOT_SUPPORTED
    kinds = {k.value: v for k, v in rules.terminal_kinds.items()}.get(terminal_kind)
    if kinds is not None and tender not in kinds:
        return ErrorCode.TENDER_NOT_ALLOWED
    for category in categories:
        rule = rules.categories.get(category)
        if rule is not None and not rule.allows(tender):
            return ErrorCode.TENDER_NOT_ALLOWED
    return None


def guide(conn: Connection, call: Call, request: GuideRequest, backend: Backend) -> GuideResponse:
    settings = backend.settings
    routing = active(conn, settings.utc_offset_min)
    terminal = call.terminal
    now = call.now_ms
    state = None
    offered: list[GuideTender] = []
    hidden: list[GuideTender] = []
    for tender in routing.config.guide.order:
        reason = tender_refusal(
            routing.config, tender, terminal.merchant_id, terminal.kind, request.categories
        )
        if reason is None and tender in (Tender.POINTS, Tender.CARD):
            if request.amount_fen > settings.max_trade_fen:
                reason = ErrorCode.AMOUNT_OUT_OF_RANGE
        elif reason is None and tender in _EXTERNAL_TENDERS:
            if state is None:
                state, _ = channel_state.routing_state(
                    conn, business_day(now, settings.utc_offset_min), now
                )
            order = Order(
                Issuer(tender.value),
                request.amount_fen,
                terminal.merchant_id,
                terminal.store_id,
                terminal.kind,
                now,
            )
            reason = routing.plan.decide(order, state).refusal
        if reason is None:
            offered.append(GuideTender(tender=tender, available=True))
        else:
            hidden.append(
                GuideTender(
                    tender=tender,
                    available=False,
                    reason=reason,
                    message=message_for(reason, call.lang),
                )
            )
    if offered:
        offered[0].recommended = True
    return GuideResponse(tenders=offered + hidden, routing_version=routing.version)
