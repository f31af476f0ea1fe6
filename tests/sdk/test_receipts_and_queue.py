"""Receipts' words in both languages at both paper widths, and the print queue's promises:
on disk first, the same receipt queued once, a crash mid-print never printed again by itself,
a reprint only when asked."""

from __future__ import annotations

from drivers.printer.document import cells
from terminal_sdk.printqueue import JobState, PrintQueue
from terminal_sdk.receipts import Receipt, ReceiptKind, TenderPaid

SALE = Receipt(
    kind=ReceiptKind.SALE,
    reference="S2612041230000a1b2c3d4e",
    at=1_764_800_000,
    store="S001",
    till="T0001",
    cashier="Mei",
    amount_fen=2000,
    parts=[
        TenderPaid(
            tender="points",
            amount_fen=1250,
            payment_no="P2612041230000001ab12",
            code_masked="81**********1234",
            points=1250,
        ),
        TenderPaid(tender="cash", amount_fen=750),
    ],
    balance_points=48_750,
    cash_given_fen=1000,
)


def test_a_sale_receipt_says_everything_in_chinese_within_58_mm():
    lines = SALE.model_copy(update={"lang": "zh"}).lines(32)
    text = "\n".join(line.text for line in lines)
    assert lines[0].style == "title" and lines[0].text == "销售小票"
    for words in (
        "门店 S001",
        "收银台 T0001",
        "收银员 Mei",
        "合计",
        "积分",
        "现金",
        "CNY 20.00",
        "81**********1234",
        "积分余额",
        "48,750",
        "实收现金",
        "找零",
        "CNY 2.50",
        "支付单号 P2612041230000001ab12",
    ):
        assert words in text, words
    assert all(cells(line.text) <= 32 for line in lines if line.style == "text")
    assert [line.text for line in lines if line.style == "code"] == ["P2612041230000001ab12"]


def test_a_report_is_its_own_text_line_for_line():
    report = Receipt(kind=ReceiptKind.REPORT, reference="X-1-1", report_text="  X REPORT\na  b\n")
    assert [(line.style, line.text) for line in report.lines(32)] == [
        ("report", "  X REPORT"),
        ("report", "a  b"),
    ]


def test_the_queue_keeps_a_receipt_once_and_a_crash_mid_print_is_not_printed_again(tmp_path):
    queue = PrintQueue(tmp_path / "printqueue.db")
    job = queue.add(SALE)
    assert job is not None and job.state is JobState.WAITING
    assert queue.add(SALE) is None  # the same sale again: still one receipt
    queue.sending(job.id)
    queue.close()  # the till stops while the receipt is going out

    queue = PrintQueue(tmp_path / "printqueue.db")
    [kept] = queue.jobs()
    assert kept.state is JobState.DOUBT and kept.receipt == SALE and queue.waiting() == []
    last = queue.last()
    assert last is not None and last.id == kept.id
    copy = queue.reprint(last.id)  # only the cashier's key prints it again
    assert copy is not None and copy.copy == 1 and [j.id for j in queue.waiting()] == [copy.id]
    queue.sending(copy.id)
    queue.again(copy.id, "paper_out")  # cut short: waits to be printed whole
    assert queue.waiting()[0].problem == "paper_out" and queue.waiting()[0].tries == 1
    queue.sending(copy.id)
    queue.printed(copy.id)
    assert queue.waiting() == [] and queue.last() == last  # a reprint is not "the last"
    queue.close()
