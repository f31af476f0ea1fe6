"""The handheld's own disk: the saved round and the sign-off queue, and how rows are shown."""

from __future__ import annotations

import pytest

from pda_client.board import Step, order_rows
from pda_client.localstore import LocalStore, SignOff, SignOffConflict, SignOffState
from protocol.models import CodOrderList, CodOrderView, CodStatus


@pytest.fixture
def store(tmp_path):
    s = LocalStore(tmp_path / "pda.db")
    yield s
    s.close()


def order(no: str, status: CodStatus = CodStatus.TO_COLLECT, **extra) -> CodOrderView:
    return CodOrderView(
        order_no=no, day="2026-11-24", recipient="Li Wei", amount_fen=6_800, status=status, **extra
    )


def test_the_saved_round_comes_back_after_reopening(tmp_path):
    round_ = CodOrderList(courier_id="C1", courier_name="Chen Jie", day="2026-11-24", orders=[])
    round_.orders.append(order("COD1"))
    first = LocalStore(tmp_path / "pda.db")
    first.save_round(round_, fetched_at=1_795_000_000.0)
    first.close()
    again = LocalStore(tmp_path / "pda.db")
    cached = again.cached_round("2026-11-24")
    assert cached is not None and cached.orders == round_ and cached.fetched_at == 1_795_000_000.0
    assert again.cached_round("2026-11-25") is None
    again.close()


def test_a_sign_off_is_queued_once_and_kept_across_a_reopen(tmp_path):
    store = LocalStore(tmp_path / "pda.db")
    item = SignOff("COD1", "Li Wei", 6_800, paid_cash=True)
    store.queue_sign_off(item)
    store.queue_sign_off(item)  # the same again: still one
    store.close()
    store = LocalStore(tmp_path / "pda.db")
    assert [s.order_no for s in store.queued()] == ["COD1"]
    assert store.count(SignOffState.QUEUED) == 1
    store.close()


def test_a_queued_or_refused_sign_off_may_be_corrected_a_sent_one_not(store):
    store.queue_sign_off(SignOff("COD1", "Li Wei", 6_800, paid_cash=True))
    corrected = store.queue_sign_off(SignOff("COD1", "Neighbour", 6_800, paid_cash=True))
    assert corrected.recipient_name == "Neighbour" and len(store.queued()) == 1
    store.mark_refused("COD1", "ORDER_PAYMENT_MISMATCH")
    assert store.queued() == [] and store.sign_off("COD1").reason == "ORDER_PAYMENT_MISMATCH"
    retried = store.queue_sign_off(SignOff("COD1", "Li Wei", 6_800, out_trade_no="P1"))
    assert retried.state is SignOffState.QUEUED and retried.reason is None
    store.mark_sent("COD1")
    assert store.queue_sign_off(SignOff("COD1", "Li Wei", 6_800, out_trade_no="P1")).state is (
        SignOffState.SENT
    )
    with pytest.raises(SignOffConflict):
        store.queue_sign_off(SignOff("COD1", "Someone", 6_800, paid_cash=True))


def test_a_sign_off_names_exactly_one_payment(store):
    import sqlite3

    with pytest.raises(sqlite3.IntegrityError):
        store.queue_sign_off(SignOff("COD1", "Li Wei", 6_800, out_trade_no="P1", paid_cash=True))
    with pytest.raises(sqlite3.IntegrityError):
        store.queue_sign_off(SignOff("COD1", "", 6_800, paid_cash=True))
    assert store.sign_off("COD1") is None


def test_the_shown_step_is_the_most_advanced_the_handheld_knows(store):
    orders = [
        order("A"),
        order("B"),
        order("C"),
        order("D", CodStatus.PAID, out_trade_no="P4"),
        order("E", CodStatus.SIGNED_OFF, signed_by="Li Wei", paid_cash=True),
        order("F"),
    ]
    store.queue_sign_off(SignOff("B", "Li Wei", 6_800, paid_cash=True))
    store.queue_sign_off(SignOff("C", "Li Wei", 6_800, paid_cash=True))
    store.mark_refused("C", "ORDER_NOT_FOUND")
    journal_paid = {"F": "P6"}  # paid here; the saved list is older than the payment
    rows = order_rows(orders, store.sign_off, journal_paid.get)
    assert [r.step for r in rows] == [
        Step.TO_COLLECT,
        Step.QUEUED,
        Step.REFUSED,
        Step.PAID,
        Step.SIGNED_OFF,
        Step.PAID,
    ]
    assert rows[3].out_trade_no == "P4" and rows[5].out_trade_no == "P6"
    assert rows[4].out_trade_no is None
    assert [r.step.can_pay for r in rows] == [True, False, True, False, False, False]
