"""A simulated external channel: a real :class:`~.base.Channel`, its books in the database.

It behaves as its scripts say (:mod:`.sim_scripts`): pays at once, keeps the
customer "paying" for a while, fails, hangs, declines, or lets a charge land
after the order was reversed. Its orders are rows with absolute times
(``sim_orders``), moved forward whenever they are read, so every instance
sees the same channel and a restart loses nothing. It is as honest as a
channel should be: ``query`` always says what happened, including a late
success; ``reverse`` of a paid order refunds it. Its statement charges the
physical channel's fee, which reconciliation compares with ours.
"""

from __future__ import annotations

import threading
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Connection, Row

from backend_stub.clock import Clock, s_to_ms
from backend_stub.routing.config import Fee
from backend_stub.storage.db import Database
from backend_stub.storage.schema import sim_orders, sim_refunds
from protocol import paycode

from .base import Channel, ChannelAnswer, ChannelOrder, ChannelStatus, StatementLine
from .sim_scripts import Behaviour, is_down, match, parse_behaviour

__all__ = ["SimulatedChannel"]

_S = ChannelStatus
_SYSTEM_ERROR = ChannelAnswer(_S.ERROR, "SYSTEMERROR")


class SimulatedChannel(Channel):
    def __init__(
        self,
        channel_id: str,
        fee: Fee,
        db: Database,
        clock: Clock,
        *,
        hang_s: float,
        stop: threading.Event,
    ) -> None:
        super().__init__(channel_id)
        self.fee = fee
        self._db = db
        self._clock = clock
        self._hang_s = hang_s
        self._stop = stop

    # -- the books ---------------------------------------------------------------------------

    def _find(self, conn: Connection, channel_trade_no: str) -> Row[Any] | None:
        return conn.execute(
            select(sim_orders)
            .where(
                sim_orders.c.channel == self.id,
                sim_orders.c.channel_trade_no == channel_trade_no,
            )
            .with_for_update()
        ).first()

    def _set(self, conn: Connection, row: Row[Any], **values: Any) -> Row[Any]:
        conn.execute(update(sim_orders).where(sim_orders.c.id == row.id).values(**values))
        found = conn.execute(select(sim_orders).where(sim_orders.c.id == row.id)).one()
        return found

    def _advance(self, conn: Connection, row: Row[Any], now_ms: int) -> Row[Any]:
        """Settle what was due by now: a customer who finished paying, a late charge."""
        if row.settle_at_ms is None or now_ms < row.settle_at_ms:
            return row
        settle = {"settle_at_ms": None, "settle_to": None}
        if row.state == "PAYING" and row.settle_to in ("PAID", "PAID_LATE"):
            return self._set(conn, row, state="PAID", paid_at_ms=row.settle_at_ms, **settle)
        if row.state == "PAYING":
            return self._set(conn, row, state="FAILED", code=row.settle_to, **settle)
        if row.state == "CLOSED" and row.settle_to == "PAID_LATE":  # the nasty one
            return self._set(conn, row, state="PAID", paid_at_ms=row.settle_at_ms, **settle)
        return row

    def _insert(self, conn: Connection, order: ChannelOrder, spec: str, **values: Any) -> None:
        conn.execute(
            insert(sim_orders).values(
                channel=self.id,
                channel_trade_no=order.channel_trade_no,
                code_masked=paycode.mask(order.payment_code),
                amount_fen=order.amount_fen,
                behaviour=spec,
                created_at_ms=self._clock.now_ms(),
                **values,
            )
        )

    @staticmethod
    def _answer(row: Row[Any]) -> ChannelAnswer:
        if row.state == "PAYING":
            return ChannelAnswer(_S.PAYING, "USERPAYING")
        if row.state == "PAID":
            return ChannelAnswer(_S.PAID, refunded_fen=row.refunded_fen)
        if row.state == "REFUNDED":
            return ChannelAnswer(_S.REFUNDED, refunded_fen=row.refunded_fen)
        if row.state == "FAILED":
            return ChannelAnswer(_S.DECLINED, row.code)
        return ChannelAnswer(_S.CLOSED, "ORDERCLOSED")

    # -- the interface -----------------------------------------------------------------------

    def pay(self, order: ChannelOrder) -> ChannelAnswer:
        hang = False
        with self._db.write() as conn:
            now = self._clock.now_ms()
            if is_down(conn, self.id):
                return _SYSTEM_ERROR
            row = self._find(conn, order.channel_trade_no)
            if row is not None:  # the same order again: as it is now
                answer = self._answer(self._advance(conn, row, now))
                if answer.status in (_S.CLOSED, _S.REFUNDED):
                    return ChannelAnswer(_S.DECLINED, "ORDERCLOSED")
                return answer
            spec = match(conn, self.id, order.payment_code, order.amount_fen)
            answer, hang = self._start(conn, order, spec, parse_behaviour(spec), now)
        if hang:
            self._stop.wait(self._hang_s)
        return answer

    def _start(
        self, conn: Connection, order: ChannelOrder, spec: str, b: Behaviour, now: int
    ) -> tuple[ChannelAnswer, bool]:
        paid = {"state": "PAID", "paid_at_ms": now}
        if b.kind == "success":
            self._insert(conn, order, spec, **paid)
            return ChannelAnswer(_S.PAID), False
        if b.kind in ("paying", "late"):
            to = "PAID_LATE" if b.kind == "late" else ("PAID" if b.succeeds else "USERCANCELLED")
            due = now + s_to_ms(b.seconds)
            self._insert(conn, order, spec, state="PAYING", settle_at_ms=due, settle_to=to)
            return ChannelAnswer(_S.PAYING, "USERPAYING"), False
        if b.kind == "error":
            if b.succeeds:
                self._insert(conn, order, spec, **paid)
            return _SYSTEM_ERROR, False
        if b.kind == "timeout":
            if b.succeeds:
                self._insert(conn, order, spec, **paid)
                return ChannelAnswer(_S.PAID), True
            self._insert(conn, order, spec, state="FAILED", code="USERCANCELLED")
            return ChannelAnswer(_S.DECLINED, "USERCANCELLED"), True
        self._insert(conn, order, spec, state="FAILED", code=b.code)
        return ChannelAnswer(_S.DECLINED, b.code), False

    def query(self, channel_trade_no: str) -> ChannelAnswer:
        with self._db.write() as conn:
            if is_down(conn, self.id):
                return _SYSTEM_ERROR
            row = self._find(conn, channel_trade_no)
            if row is None:
                return ChannelAnswer(_S.NOT_FOUND, "ORDERNOTEXIST")
            return self._answer(self._advance(conn, row, self._clock.now_ms()))

    def reverse(self, channel_trade_no: str) -> ChannelAnswer:
        with self._db.write() as conn:
            now = self._clock.now_ms()
            if is_down(conn, self.id):
                return _SYSTEM_ERROR
            row = self._find(conn, channel_trade_no)
            if row is None:  # never seen: closed for good, a late pay cannot charge
                conn.execute(
                    insert(sim_orders).values(
                        channel=self.id,
                        channel_trade_no=channel_trade_no,
                        amount_fen=0,
                        behaviour="reversed unseen",
                        state="CLOSED",
                        created_at_ms=now,
                    )
                )
                return ChannelAnswer(_S.CLOSED, "ORDERCLOSED")
            row = self._advance(conn, row, now)
            if row.state == "PAYING":
                late = row.settle_to == "PAID_LATE"
                self._set(
                    conn,
                    row,
                    state="CLOSED",
                    settle_at_ms=row.settle_at_ms if late else None,
                    settle_to=row.settle_to if late else None,
                )
                return ChannelAnswer(_S.CLOSED, "ORDERCLOSED")
            if row.state == "PAID":
                rest = row.amount_fen - row.refunded_fen
                self._record_refund(conn, channel_trade_no, channel_trade_no + "-REV", rest, now)
                row = self._set(conn, row, state="REFUNDED", refunded_fen=row.amount_fen)
            return self._answer(row)

    def _record_refund(
        self, conn: Connection, channel_trade_no: str, refund_no: str, amount: int, now: int
    ) -> None:
        conn.execute(
            insert(sim_refunds).values(
                channel=self.id,
                refund_no=refund_no,
                channel_trade_no=channel_trade_no,
                amount_fen=amount,
                created_at_ms=now,
            )
        )

    def refund(self, channel_trade_no: str, refund_no: str, amount_fen: int) -> ChannelAnswer:
        with self._db.write() as conn:
            now = self._clock.now_ms()
            if is_down(conn, self.id):
                return _SYSTEM_ERROR
            row = self._find(conn, channel_trade_no)
            if row is None:
                return ChannelAnswer(_S.DECLINED, "ORDERNOTEXIST")
            done = conn.execute(
                select(sim_refunds.c.channel_trade_no, sim_refunds.c.amount_fen).where(
                    sim_refunds.c.channel == self.id, sim_refunds.c.refund_no == refund_no
                )
            ).first()
            if done is not None:  # the same refund again
                if done.channel_trade_no != channel_trade_no or done.amount_fen != amount_fen:
                    return ChannelAnswer(_S.DECLINED, "REFUND_CONFLICT")
                return ChannelAnswer(_S.REFUNDED, refunded_fen=row.refunded_fen)
            row = self._advance(conn, row, now)
            if row.state != "PAID" or amount_fen > row.amount_fen - row.refunded_fen:
                return ChannelAnswer(_S.DECLINED, "REFUND_NOT_ALLOWED")
            self._record_refund(conn, channel_trade_no, refund_no, amount_fen, now)
            refunded = row.refunded_fen + amount_fen
            state = "REFUNDED" if refunded == row.amount_fen else "PAID"
            self._set(conn, row, state=state, refunded_fen=refunded)
            return ChannelAnswer(_S.REFUNDED, refunded_fen=refunded)

    def statement(self, start_ms: int, end_ms: int) -> list[StatementLine]:
        with self._db.read() as conn:
            now = self._clock.now_ms()
            paid = conn.execute(
                select(sim_orders).where(
                    sim_orders.c.channel == self.id,
                    sim_orders.c.paid_at_ms.is_not(None),
                    sim_orders.c.paid_at_ms >= start_ms,
                    sim_orders.c.paid_at_ms < end_ms,
                )
            ).all()
            late = conn.execute(  # late charges due in the window that nobody has read yet
                select(sim_orders).where(
                    sim_orders.c.channel == self.id,
                    sim_orders.c.settle_to.in_(("PAID", "PAID_LATE")),
                    sim_orders.c.settle_at_ms >= start_ms,
                    sim_orders.c.settle_at_ms < min(end_ms, now + 1),
                )
            ).all()
            refunds = conn.execute(
                select(sim_refunds).where(
                    sim_refunds.c.channel == self.id,
                    sim_refunds.c.created_at_ms >= start_ms,
                    sim_refunds.c.created_at_ms < end_ms,
                )
            ).all()
        lines = [
            StatementLine(
                "pay",
                r.channel_trade_no,
                "",
                r.amount_fen,
                self.fee.for_amount(r.amount_fen),
                r.paid_at_ms if r.paid_at_ms is not None else r.settle_at_ms,
            )
            for r in [*paid, *late]
        ]
        lines += [
            StatementLine(
                "refund", r.channel_trade_no, r.refund_no, r.amount_fen, 0, r.created_at_ms
            )
            for r in refunds
        ]
        return sorted(lines, key=lambda line: (line.at_ms, line.kind, line.channel_trade_no))
