"""``make bench``: every benchmark with modest sizes, one markdown table in bench/RESULTS.md.

    .venv/bin/python -m bench [--only decode,hid] [--out bench/RESULTS.md]

Each module in :data:`MODULES` offers ``rows() -> list[bench.table.Row]``:
its figures beside a peer or a limit measured in the same run, with the
target of DESIGN.md section 14 where there is one. The table gets the date,
the machine's cores and its load average before and after, since these
figures mean little on a machine busy with other work. A module that fails
gets a row saying so, and the command then exits 1; a target not met is
shown in the table (``met: no``) but does not fail the command.
"""

from __future__ import annotations

import argparse
import datetime
import importlib
import os
import platform
import sys
import time
import traceback
from pathlib import Path

from bench.table import Row, markdown

# Each module's rows() runs in this order. Add a benchmark by adding its module here.
MODULES = [
    "bench.decode",
    "bench.camera",
    "bench.hid",
    "bench.serial",
    "bench.pos_scan",
    "bench.routing",
    "bench.backend",
    "bench.heartbeat",
    "bench.load",
]

RESULTS = Path(__file__).with_name("RESULTS.md")


def _load(averages: tuple[float, float, float]) -> str:
    one, five, _ = averages
    return f"{one:.2f} (1 min), {five:.2f} (5 min)"


def _busy_note(before: tuple[float, float, float], cores: int) -> list[str]:
    """A warning line when other work held the cores: the load average *before* the run
    above their number (the load after is mostly the benchmarks' own)."""
    if max(before[:2]) <= cores:
        return []
    return [
        f"**The machine was busy with other work (load above its {cores} cores): absolute "
        "figures are lower than on an idle machine; the ratios, measured side by side, "
        "suffer less.**"
    ]


def run_module(name: str) -> tuple[list[Row], float, bool]:
    """(its rows, seconds taken, whether it ran to the end)."""
    start = time.perf_counter()
    try:
        rows = importlib.import_module(name).rows()
        ok = True
    except Exception as exc:  # one broken benchmark must not lose the others' figures
        traceback.print_exc()
        rows = [Row(f"{name}: FAILED ({type(exc).__name__}: {exc})", float("nan"), "", "-")]
        ok = False
    return rows, time.perf_counter() - start, ok


def document(rows: list[Row], header: list[str]) -> str:
    met = [r.met for r in rows if r.met is not None]
    summary = f"Targets met: {sum(met)} of {len(met)}."
    return "\n".join(["# Benchmark results", "", *header, "", markdown(rows), summary, ""])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument("--only", default="", help="comma-separated module names, e.g. decode,hid")
    parser.add_argument("--out", type=Path, default=RESULTS, help="where the table goes")
    args = parser.parse_args(argv)
    wanted = {f"bench.{n.strip()}" for n in args.only.split(",") if n.strip()}
    unknown = wanted - set(MODULES)
    if unknown:
        parser.error(f"no such benchmark: {', '.join(sorted(unknown))} (known: {MODULES})")
    modules = [m for m in MODULES if not wanted or m in wanted]
    started = datetime.datetime.now(datetime.UTC)
    load_before = os.getloadavg()
    rows: list[Row] = []
    timings: list[str] = []
    failed = 0
    for name in modules:
        print(f"-- {name} ...", file=sys.stderr, flush=True)
        got, seconds, ok = run_module(name)
        rows += got
        failed += not ok
        timings.append(f"{name.removeprefix('bench.')} {seconds:.0f} s")
    cores = os.cpu_count() or 1
    busy = _busy_note(load_before, cores)
    header = [
        f"Run {started:%Y-%m-%d %H:%M} UTC by `make bench` (`python -m bench`).",
        f"Machine: {cores} cores, {platform.machine()}, Python "
        f"{platform.python_version()}; load average before {_load(load_before)},"
        f" after {_load(os.getloadavg())}.",
        f"Time per module: {', '.join(timings)}.",
        "Each figure is beside a peer or limit measured in the same run; ratio = value / peer.",
        *busy,
    ]
    text = document(rows, header)
    args.out.write_text(text)
    print(text)
    print(f"(written to {args.out})")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
