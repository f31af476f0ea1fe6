"""``python -m bench.load`` in its short form: it runs end to end and its ledger check holds.

The figures are not asserted (speed is for the benchmark's own run); what is
asserted is what the figures rely on: every terminal was answered, the
answers were signed and of the kind expected, and the trades and points the
database holds are exactly those the terminals were told were paid. The two
targets are run with the two clients, one through ``main`` (what it prints),
the other through ``rows()`` (what ``make bench`` puts in its table).
"""

from __future__ import annotations

import os
import re

import pytest

from bench import load

SHORT = ["--terminals", "6", "--seconds", "1.5", "--ceiling-seconds", "0.5"]
SHORT += ["--max-rate", "60", "--ceiling-rate", "60"]


def test_a_short_run_on_sqlite_with_sdk_terminals_prints_its_figures_and_the_ledger_holds(
    capsys: pytest.CaptureFixture[str],
):
    assert load.main([*SHORT, "--only", "sqlite", "--client", "sdk"]) == 0
    shown = capsys.readouterr().out
    rows = {line.split()[0]: line for line in shown.splitlines() if re.match(r"\w+ +[\d,]+ ", line)}
    assert set(rows) >= {"healthz", "echo", "pay"}, shown
    for phase in ("healthz", "echo", "pay"):
        assert rows[phase].endswith("none"), shown  # no error of any kind
    paid = re.search(r"in the database: (\d+) \(terminals were told SUCCESS: (\d+)\)", shown)
    assert paid and int(paid[1]) == int(paid[2]) > 0, shown
    assert "verify: OK" in shown and "they agree" in shown, shown
    assert "pay / echo (same server, same run): rate" in shown


def test_a_short_run_on_postgresql_with_raw_terminals_gives_the_benchmark_table_rows():
    if os.environ.get("SCANPAY_SKIP_PG") == "1":
        pytest.skip("SCANPAY_SKIP_PG=1: the PostgreSQL half is skipped")
    rows = load.rows([*SHORT, "--only", "postgresql", "--client", "raw"])
    by_figure = {(row.figure, row.peer): row for row in rows}
    who = "load, PostgreSQL, 2 backends, 6 raw terminals"
    paid = by_figure[(f"{who}: trades paid in the database", "SUCCESS answers the terminals got")]
    assert paid.met is True and paid.value == paid.peer_value and paid.value > 0
    errors = by_figure[(f"{who}: pay answers not OK", "pay answers")]
    assert errors.met is True and errors.value == 0
    pay = by_figure[(f"{who}: pay", "signed echo, same server")]
    assert pay.value > 0 and pay.peer_value and pay.met is not None  # a figure and a verdict
