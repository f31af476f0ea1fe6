"""``ScanPayClient.guide`` and ``record_tenders`` against the real backend on loopback."""

from __future__ import annotations

from protocol.errors import ErrorCode
from protocol.models import Tender, TenderPart
from terminal_sdk.client import ScanPayClient, enrol
from tests.harness import unique


async def test_the_guide_and_max_points_with_the_rest_in_cash(backend_sqlite):
    live = backend_sqlite
    credentials = await enrol(live.url, live.operator.activation_code("pos"))
    member = live.member(points=2_500, pin=None)
    async with ScanPayClient(live.url, credentials) as client:
        guide = await client.guide(5_000, ["groceries"])
        assert guide.offered[:2] == [Tender.POINTS, Tender.CARD]
        wechat = next(t for t in guide.tenders if t.tender is Tender.WECHAT)
        assert not wechat.available  # the shared backend routes by the built-in version 0
        assert wechat.reason is ErrorCode.ISSUER_NOT_SUPPORTED and "not accepted" in wechat.message
        number = unique()
        paid = await client.pay(
            out_trade_no=number,
            payment_code=member.code(),
            amount_fen=5_000,
            order_total_fen=5_000,
            allow_partial=True,
        )
        assert paid.amount_fen == 2_500 and paid.points == 2_500
        rest = [TenderPart(tender=Tender.CASH, amount_fen=2_500)]
        recorded = await client.record_tenders(number, rest)
        assert recorded.other_tenders == rest and recorded.order_total_fen == 5_000
