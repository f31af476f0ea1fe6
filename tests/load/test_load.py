"""``python -m bench.load`` in its short form: it runs end to end and its ledger check holds.

The figures are not asserted (speed is for the benchmark's own run); what is
asserted is what the figures rely on: every terminal was answered, the
answers were signed and of the kind expected, and the trades and points the
database holds are exactly those the terminals were told were paid. Each
target is run with the other client, so both generators are exercised.
"""

from __future__ import annotations

import os
import re

import pytest

from bench import load

SHORT = ["--terminals", "6", "--seconds", "1.5", "--ceiling-seconds", "0.5"]
SHORT += ["--max-rate", "60", "--ceiling-rate", "60"]


@pytest.mark.parametrize(("target", "client"), [("sqlite", "sdk"), ("postgresql", "raw")])
def test_a_short_load_run_pays_and_its_ledger_check_holds(
    target: str, client: str, capsys: pytest.CaptureFixture[str]
):
    if target == "postgresql" and os.environ.get("SCANPAY_SKIP_PG") == "1":
        pytest.skip("SCANPAY_SKIP_PG=1: the PostgreSQL half is skipped")
    assert load.main([*SHORT, "--only", target, "--client", client]) == 0
    shown = capsys.readouterr().out
    rows = {line.split()[0]: line for line in shown.splitlines() if re.match(r"\w+ +[\d,]+ ", line)}
    assert set(rows) >= {"healthz", "echo", "pay"}, shown
    for phase in ("healthz", "echo", "pay"):
        assert rows[phase].endswith("none"), shown  # no error of any kind
    paid = re.search(
        r"trades paid in the database: (\d+) \(terminals were told SUCCESS: (\d+)\)", shown
    )
    assert paid and int(paid[1]) == int(paid[2]) > 0, shown
    assert "verify: OK" in shown and "they agree" in shown, shown
