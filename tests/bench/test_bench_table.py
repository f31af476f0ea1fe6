"""``make bench``'s plumbing: rows into a markdown table, a broken benchmark reported, not lost."""

from __future__ import annotations

import pytest

from bench.__main__ import main, run_module
from bench.table import Row, markdown


def test_a_row_shows_value_peer_ratio_target_and_verdict():
    rows = [
        Row("p50 | till", 24.0, "ms", "limit", 30.0, "p50 under 30 ms", True),
        Row("decode time", 5.0, "ms", "zxing-cpp alone", 2.0, "<= 2x", False),
        Row("lookups", 10.0, "/s", "dict", 100_000.0),
        Row("errors", 0, "", "limit", 0, "none", True),
    ]
    lines = markdown(rows).splitlines()
    assert lines[0].startswith("| figure | value | peer or limit | peer value | ratio |")
    assert lines[2] == "| p50 \\| till | 24 ms | limit | 30 ms | 0.80x | p50 under 30 ms | yes |"
    assert lines[3].endswith("| 2.50x | <= 2x | **no** |")
    assert "| 1/10,000 | - | - |" in lines[4]
    assert lines[5] == "| errors | 0 | limit | 0 | - | none | yes |"


def test_a_benchmark_that_breaks_gets_a_failed_row():
    rows, _, ok = run_module("bench.no_such_benchmark")
    assert not ok and rows[0].figure.startswith("bench.no_such_benchmark: FAILED")
    assert "| - |" in markdown(rows)


def test_the_runner_writes_the_table_with_date_and_machine(tmp_path, capsys):
    out = tmp_path / "results.md"
    assert main(["--only", "serial", "--out", str(out)]) == 0
    text = out.read_text()
    assert text.startswith("# Benchmark results") and " cores, " in text and "UTC" in text
    assert "| serial scanner over a pty: codes/s |" in text and "Targets met: 0 of 0." in text
    assert text in capsys.readouterr().out
    with pytest.raises(SystemExit):
        main(["--only", "nosuch", "--out", str(out)])
