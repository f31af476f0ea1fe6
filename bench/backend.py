"""Backend benchmark: signed no-PIN ``pay`` beside the same server's signed ``echo`` (DESIGN.md 14).

    .venv/bin/python -m bench.backend [--seconds 3] [--rounds 3] [--levels 1,8,32] [--only sqlite]

For SQLite (WAL, ``synchronous=FULL``) and then PostgreSQL (``fsync=on``,
``synchronous_commit=on``), in one run on this machine:

- the database's raw commit ceiling: one connection doing ``INSERT`` +
  ``COMMIT`` in a loop (SQLite: the same file system as the server's file;
  PostgreSQL: the same server, a scratch table);
- the load generator's own ceiling: ``wrk`` (Debian's, C, keep-alive) doing
  plain GETs of ``/healthz``, which answers without touching the database;
- at each concurrency (wrk connections = concurrent terminals): the signed
  ``echo`` (signature check, nonce recorded in the database, signed answer),
  then the signed no-PIN ``pay`` (a points payment of CNY 1.00: the whole
  money path, one transaction, committed to disk before the answer). This
  machine's speed drifts from one minute to the next, so echo and pay run
  back to back ``--rounds`` times and each figure is the median of its rounds.

Then the group commit's and the workers' figures (issue 25), each beside
its peer on the same database, the two servers taking turns round after
round (each figure the median of its rounds): pay at one client on the
default server (group commit on) and on a server with ``--commit-batch 1``
(off); pay at the top level on one worker and on ``serve --workers 2``. On
SQLite those two rates are also set against the raw commit ceiling,
measured again before each of their rounds (the disk's speed drifts too),
with how many requests shared each commit (from the server's ``/metrics``);
and the 2 workers' rate is set beside what the machine's cores allow at
one worker's CPU per pay: the whole machine's busy time in the one-worker
runs (server, database and wrk alike, from ``/proc/stat``) scaled to every
core. Where one worker already keeps more than half of the cores busy, no
number of workers can double its rate.
Last, pay at the top level with the terminal routes answered in the lane
(the default) and through FastAPI's routing (``serve --no-lane``).

The requests are prepared before the clock starts: members and their
payment codes are made in the database directly (each member pays at most 8
times, under the built-in risk rule of 10 no-PIN payments a day), and every
body is signed with a unique nonce, a fresh timestamp and, for ``pay``, its
own code and ``out_trade_no``. Before each run the database is settled, so
the run does not pay for the preparation's housekeeping: PostgreSQL gets
``VACUUM ANALYZE`` and ``CHECKPOINT``, SQLite a (passive) WAL checkpoint. wrk sends
each body once (``bench/backend_wrk.lua``) and counts answers that are not
HTTP 200 or not what was expected (``"state":"SUCCESS"`` for pay,
``"code":"OK"`` for echo); a run with any is reported as invalid. The server
runs with its rate limits raised out of the way (the limiter still counts
every request), everything else default.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import json
import os
import re
import shutil
import sqlite3
import statistics
import subprocess
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

if not __package__:
    raise SystemExit("run me as: python -m bench.backend")

import httpx
import psycopg

from backend_stub.payments.terminals import create_terminal
from backend_stub.storage.db import Database
from bench.table import Row
from protocol.models import TerminalKind
from tests.harness import BackendServer, PostgresServer, issue_codes, signed_request

HERE = Path(__file__).resolve().parent
LUA = HERE / "backend_wrk.lua"
PAYS_PER_MEMBER = 8
CORES = os.cpu_count() or 1
AMOUNT_FEN = 100
SERVER_SETTINGS = {"rate_terminal": 1_000_000, "rate_merchant": 10_000_000}


@dataclass(frozen=True)
class Result:
    rate: float  # answers per second
    p50_ms: float
    p99_ms: float
    invalid: str
    cores: float = 0.0  # the machine's cores busy meanwhile (server, database and wrk)


def _cpu_times() -> tuple[int, int]:
    """The machine's (busy, all) CPU time so far, in ticks of every core (``/proc/stat``:
    user to steal; guest time is counted in user already)."""
    ticks = [int(n) for n in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    idle = ticks[3] + ticks[4]  # idle, iowait
    return sum(ticks) - idle, sum(ticks)


def median_of(results: list[Result]) -> Result:
    """Each figure's median over rounds; a round's problems make the whole invalid."""
    return Result(
        statistics.median(r.rate for r in results),
        statistics.median(r.p50_ms for r in results),
        statistics.median(r.p99_ms for r in results),
        ", ".join(r.invalid for r in results if r.invalid),
        statistics.median(r.cores for r in results),
    )


def sqlite_commit_ceiling(directory: Path, seconds: float) -> float:
    """Commits per second of one connection, WAL + synchronous=FULL, one small row each."""
    path = directory / "ceiling.db"
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)")
    count, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("INSERT INTO t (v) VALUES (?)", (uuid.uuid4().hex,))
        conn.execute("COMMIT")
        count += 1
    elapsed = time.perf_counter() - started
    conn.close()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return count / elapsed


def postgres_commit_ceiling(url: str, seconds: float) -> float:
    dsn = url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS bench_ceiling (id bigserial PRIMARY KEY, v text)")
        count, started = 0, time.perf_counter()
        while time.perf_counter() - started < seconds:
            conn.execute("INSERT INTO bench_ceiling (v) VALUES (%s)", (uuid.uuid4().hex,))
            count += 1
        elapsed = time.perf_counter() - started
        conn.execute("DROP TABLE bench_ceiling")
    return count / elapsed


class Load:
    """Terminals and unused payment codes in the server's database, made before the clock starts."""

    def __init__(self, database_url: str, terminals: int) -> None:
        self.database_url = database_url
        db = Database(database_url)
        now = int(time.time() * 1000)
        with db.write() as conn:
            made = [
                create_terminal(conn, "S0001", TerminalKind.POS, f"bench-{i}", now)
                for i in range(terminals)
            ]
        db.dispose()
        self.terminals = [(t.id, t.secret) for t in made]

    def settle(self) -> None:
        """Let the database finish the preparation's housekeeping before a run is timed."""
        if self.database_url.startswith("sqlite"):
            with contextlib.closing(sqlite3.connect(self.database_url.split("///", 1)[1])) as conn:
                conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
            return
        dsn = self.database_url.replace("postgresql+psycopg://", "postgresql://")
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute("VACUUM ANALYZE")
            conn.execute("CHECKPOINT")

    def take_codes(self, count: int) -> list[str]:
        return issue_codes(
            self.database_url,
            count,
            per_member=PAYS_PER_MEMBER,
            points=AMOUNT_FEN * PAYS_PER_MEMBER,
        )


def _signed(terminal: tuple[str, str], fields: dict[str, Any]) -> str:
    return json.dumps(signed_request(*terminal, fields), separators=(",", ":"))


def write_bodies(directory: Path, bodies: list[str], threads: int) -> None:
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True)
    for n in range(threads):
        (directory / f"{n}.txt").write_text("\n".join(bodies[n::threads]) + "\n")


def wrk(url: str, bodies_dir: str, connections: int, seconds: float, expect: str = "") -> Result:
    threads = min(connections, 2)
    command = [
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{max(1, round(seconds))}s",
        "--timeout",
        "10s",
        "-s",
        str(LUA),
        url,
        "--",
        bodies_dir,
        expect,
    ]
    busy, every = _cpu_times()
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    busy_after, every_after = _cpu_times()
    figures = json.loads(out.strip().splitlines()[-1])
    problems = [
        f"{figures[k]} {k}"
        for k in ("non_200", "unexpected", "exhausted", "socket_errors")
        if figures[k]
    ]
    return Result(
        figures["requests"] / figures["seconds"] if figures["seconds"] else 0.0,
        figures["p50_us"] / 1000,
        figures["p99_us"] / 1000,
        ", ".join(problems),
        CORES * (busy_after - busy) / max(1, every_after - every),
    )


def _bodies_needed(best_rate: float, seconds: float) -> int:
    return int(best_rate * seconds * 1.6) + 500


def _pay(url: str, load: Load, work: Path, level: int, seconds: float, rate: float) -> Result:
    """A signed no-PIN pay run at ``level`` clients, on a settled database (bodies for ``rate``)."""
    codes = load.take_codes(_bodies_needed(rate, seconds))
    pay_bodies = [
        _signed(
            load.terminals[i % level],
            {"out_trade_no": uuid.uuid4().hex[:24], "payment_code": code, "amount_fen": AMOUNT_FEN},
        )
        for i, code in enumerate(codes)
    ]
    write_bodies(work / "pay", pay_bodies, min(level, 2))
    load.settle()
    return wrk(url + "/v1/pay", str(work / "pay"), level, seconds, '"state":"SUCCESS"')


def _echo_then_pay(
    url: str, load: Load, work: Path, level: int, seconds: float, best: float
) -> tuple[Result, Result]:
    """One round at ``level`` clients: signed echo, then signed pay, each on a settled database."""
    count = _bodies_needed(best, seconds)
    echo_bodies = [_signed(load.terminals[i % level], {}) for i in range(count)]
    write_bodies(work / "echo", echo_bodies, min(level, 2))
    load.settle()
    echo = wrk(url + "/v1/echo", str(work / "echo"), level, seconds, '"code":"OK"')
    return echo, _pay(url, load, work, level, seconds, echo.rate)


def side_by_side(
    servers: dict[str, BackendServer],
    load: Load,
    work: Path,
    level: int,
    seconds: float,
    rounds: int,
    rate: float,
    ceiling: Callable[[], float] | None = None,
) -> tuple[dict[str, Result], float]:
    """Pay at ``level`` on servers that differ in one way (same database), rounds interleaved.

    The machine's speed drifts, so the servers take turns, round after round,
    and each one's figures are the medians of its rounds. With ``ceiling``,
    each round starts with it (the raw commit ceiling) and its median comes
    back too (else 0).
    """
    runs: dict[str, list[Result]] = {name: [] for name in servers}
    ceilings = []
    for _ in range(max(1, rounds)):
        if ceiling is not None:
            ceilings.append(ceiling())
        for name, server in servers.items():
            runs[name].append(_pay(server.url, load, work, level, seconds, rate))
    found = {name: median_of(results) for name, results in runs.items()}
    return found, statistics.median(ceilings) if ceilings else 0.0


def batching(server: BackendServer) -> tuple[float, float]:
    """Shared commits so far and the request transactions in them (one worker's /metrics)."""
    text = httpx.get(server.url + "/metrics", timeout=10).text
    found = [
        re.search(rf"^scanpay_commit_{name}_total (\S+)$", text, re.MULTILINE)
        for name in ("batches", "batched_transactions")
    ]
    batches, units = (float(m.group(1)) if m else 0.0 for m in found)
    return batches, units


@dataclass
class Measured:
    """One database's figures: its commit ceiling, wrk against /healthz, echo and pay per level,
    and the group commit's and the workers' side-by-side runs."""

    kind: str
    commits_per_s: float
    ceiling: Result
    levels: dict[int, tuple[Result, Result]]  # clients -> (echo, pay)
    verified: bool
    per_commit: float = 0.0  # requests per shared commit in the pay runs at the top level
    batching_off: tuple[Result, Result] | None = None  # 1 client: (batched, commit_batch 1)
    workers: tuple[Result, Result] | None = None  # top level: (1 worker, 2 workers)
    ceiling_beside: float = 0.0  # SQLite: the commit ceiling measured between the workers' rounds
    lane: tuple[Result, Result] | None = None  # top level: (the lane, serve --no-lane)


def run_database(
    kind: str,
    servers: dict[str, BackendServer],
    database_url: str,
    levels: list[int],
    seconds: float,
    commits_per_s: float,
    rounds_per_level: int,
    commit_ceiling: Callable[[], float] | None = None,
) -> Measured:
    """``servers``: "server" (the default), "two workers", "no lane", and on SQLite "batching off";
    ``commit_ceiling`` (SQLite) measures the raw commit ceiling before each workers' round."""
    server = servers["server"]
    work = Path(tempfile.mkdtemp(prefix="scanpay-bench-"))
    load = Load(database_url, max(levels))
    try:
        ceiling = wrk(server.url + "/healthz", "-", max(levels), seconds)
        print(
            f"  wrk's own ceiling, GET /healthz (no database), {max(levels)} connections: "
            f"{ceiling.rate:8.0f} req/s  p50 {ceiling.p50_ms:.2f} ms  p99 {ceiling.p99_ms:.2f} ms"
        )
        print(
            f"  {'clients':>7}  {'echo/s':>8} {'p50':>7} {'p99':>7}   "
            f"{'pay/s':>8} {'p50':>7} {'p99':>7}   {'pay/echo':>8} {'p99 x':>6}"
        )
        best = ceiling.rate
        measured = Measured(kind, commits_per_s, ceiling, {}, verified=False)
        for level in levels:
            before = batching(server)
            rounds = [
                _echo_then_pay(server.url, load, work, level, seconds, best)
                for _ in range(max(1, rounds_per_level))
            ]
            after = batching(server)
            echo = median_of([e for e, _ in rounds])
            pay = median_of([p for _, p in rounds])
            shared = after[1] - before[1]
            per_commit = shared / (after[0] - before[0]) if shared else 0.0
            print(
                f"  {level:>7}  {echo.rate:8.0f} {echo.p50_ms:6.2f}ms {echo.p99_ms:6.2f}ms   "
                f"{pay.rate:8.0f} {pay.p50_ms:6.2f}ms {pay.p99_ms:6.2f}ms   "
                f"{pay.rate / echo.rate:8.2f} {pay.p99_ms / echo.p99_ms:6.2f}"
                f"   (rounds: {', '.join(f'{p.rate / e.rate:.2f}' for e, p in rounds)})"
                + (f"  {per_commit:.1f} requests per commit" if per_commit else "")
            )
            measured.levels[level] = (echo, pay)
            measured.per_commit = per_commit
            for name, result in (("echo", echo), ("pay", pay)):
                if result.invalid:
                    print(f"    INVALID {name} run at {level}: {result.invalid}")
        top_echo = measured.levels[max(levels)][0].rate  # a bound on pay's: bodies enough
        if "batching off" in servers:
            on, off, _ = _compare(
                "1 client, group commit on / off (commit_batch 1)",
                {"on": server, "off": servers["batching off"]},
                (load, work, 1, seconds, 2 * max(1, rounds_per_level)),
                measured.levels[min(levels)][0].rate,  # echo's: a pay round must not run out
            )
            measured.batching_off = on, off
        one, two, measured.ceiling_beside = _compare(
            f"{max(levels)} clients, 1 worker / 2 workers (serve --workers 2)",
            {"1": server, "2": servers["two workers"]},
            (load, work, max(levels), seconds, max(1, rounds_per_level)),
            2 * top_echo,
            commit_ceiling,
        )
        measured.workers = one, two
        lane, no_lane, _ = _compare(
            f"{max(levels)} clients, the lane / FastAPI's routing (serve --no-lane)",
            {"lane": server, "no lane": servers["no lane"]},
            (load, work, max(levels), seconds, max(1, rounds_per_level)),
            2 * top_echo,
        )
        measured.lane = lane, no_lane
        verified = server.run_cli("verify", check=False)
        measured.verified = verified.returncode == 0
        print(f"  verify after the run: {verified.stdout.strip().splitlines()[0]}")
        return measured
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _compare(
    title: str,
    servers: dict[str, BackendServer],
    run: tuple[Load, Path, int, float, int],
    rate: float,
    ceiling: Callable[[], float] | None = None,
) -> tuple[Result, Result, float]:
    """Pay on two servers side by side (:func:`side_by_side`), printed: (first, second, the
    median ceiling measured between rounds or 0)."""
    load, work, level, seconds, rounds = run
    for server in servers.values():
        if server.process is None:
            server.start()
    try:
        found, beside = side_by_side(servers, load, work, level, seconds, rounds, rate, ceiling)
    finally:
        for name in list(servers)[1:]:
            servers[name].stop()
    first, second = found.values()
    if beside:
        print(f"  fsync'd SQLite commits, one connection, between those rounds: {beside:.0f}/s")
    print(
        f"  pay, {title}: "
        + "   ".join(
            f"{name}: {r.rate:.0f}/s p50 {r.p50_ms:.2f} ms p99 {r.p99_ms:.2f} ms"
            f" ({r.cores:.2f} cores busy)" + (f" INVALID {r.invalid}" if r.invalid else "")
            for name, r in found.items()
        )
    )
    return first, second, beside


def run(
    levels: list[int], seconds: float, rounds: int = 3, only: str | None = None
) -> list[Measured]:
    """Both databases (or ``only`` one), printing as it goes; the figures of each."""
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: apt-get install wrk (make setup does)")
    settings: dict[str, Any] = dict(SERVER_SETTINGS)
    print(
        f"bench.backend: {CORES} cores, {seconds:g} s per run, {rounds} rounds, "
        f"wrk -t min(c,2) -c <clients>, server settings {settings}"
    )
    measured: list[Measured] = []
    if only in (None, "sqlite"):
        data = Path(tempfile.mkdtemp(prefix="scanpay-bench-sqlite-", dir=HERE.parent))
        servers = _servers(data, None, settings, batching_off=True)
        try:
            servers["server"].run_cli("seed-demo")
            servers["server"].start()
            print(f"\nSQLite (WAL, synchronous=FULL), {data}")
            ceiling = sqlite_commit_ceiling(data, 2.0)
            print(f"  fsync'd SQLite commits, one connection: {ceiling:8.0f} commits/s")
            url = f"sqlite:///{data / 'scanpay.db'}"
            again = functools.partial(sqlite_commit_ceiling, data, 1.5)
            measured.append(
                run_database("SQLite", servers, url, levels, seconds, ceiling, rounds, again)
            )
        finally:
            for server in servers.values():
                server.stop()
            shutil.rmtree(data, ignore_errors=True)
    if only in (None, "postgresql"):
        postgres = PostgresServer(durable=True).start()
        data = Path(tempfile.mkdtemp(prefix="scanpay-bench-pg-"))
        try:
            url = postgres.create_database("scanpay_bench")
            servers = _servers(data, url, settings, batching_off=False)
            servers["server"].run_cli("seed-demo")
            servers["server"].start()
            try:
                print("\nPostgreSQL (fsync=on, synchronous_commit=on), same machine")
                ceiling = postgres_commit_ceiling(url, 2.0)
                print(f"  PostgreSQL commits, one connection: {ceiling:8.0f} commits/s")
                measured.append(
                    run_database("PostgreSQL", servers, url, levels, seconds, ceiling, rounds)
                )
            finally:
                for server in servers.values():
                    server.stop()
        finally:
            postgres.stop()
            shutil.rmtree(data, ignore_errors=True)
    return measured


def _servers(
    data: Path, url: str | None, settings: dict[str, Any], *, batching_off: bool
) -> dict[str, BackendServer]:
    """The servers of one database: the default one, its peers (started when their turn comes)."""
    servers = {
        "server": BackendServer(data, url, settings),
        "two workers": BackendServer(data, url, settings, flags=["--workers", "2"]),
        "no lane": BackendServer(data, url, settings, flags=["--no-lane"]),
    }
    if batching_off:
        servers["batching off"] = BackendServer(data, url, {**settings, "commit_batch": 1})
    return servers


def rows(seconds: float = 3.0, levels: tuple[int, ...] = (1, 8, 32)) -> list[Row]:
    """For ``make bench``: pay beside echo at each level, SQLite and PostgreSQL (DESIGN.md 14),
    and the group commit's and the workers' figures beside their peers."""
    table: list[Row] = []
    for found in run(list(levels), seconds):
        where = f"backend, {found.kind}"
        best_echo = max(echo.rate for echo, _ in found.levels.values())
        table.append(
            Row(
                f"{where}: the client (wrk) on GET /healthz, no database, {max(levels)} clients",
                found.ceiling.rate,
                "req/s",
                "the best signed echo/s (the client must outrun the server)",
                best_echo,
            )
        )
        table.append(
            Row(
                f"{where}: durable commits/s, one connection (raw ceiling)",
                found.commits_per_s,
                "/s",
                "the best signed echo/s",
                best_echo,
            )
        )
        for level, (echo, pay) in found.levels.items():
            valid = not echo.invalid and not pay.invalid and found.verified
            table.append(
                Row(
                    f"{where}: signed no-PIN pay/s, {level} concurrent",
                    pay.rate,
                    "req/s",
                    "signed echo/s, same server and clients",
                    echo.rate,
                    "pay >= 0.5x echo",
                    valid and pay.rate >= 0.5 * echo.rate,
                )
            )
            table.append(
                Row(
                    f"{where}: pay p99, {level} concurrent",
                    pay.p99_ms,
                    "ms",
                    "echo p99",
                    echo.p99_ms,
                    "pay p99 <= 2x echo p99",
                    valid and pay.p99_ms <= 2 * echo.p99_ms,
                )
            )
        table += _group_commit_rows(found, where, max(levels))
    return table


def _group_commit_rows(found: Measured, where: str, top: int) -> list[Row]:
    """Issue 25's figures (DESIGN.md 14, raised 2026-12-03): against the ceiling and the peers."""
    table: list[Row] = []
    assert found.workers is not None
    one, two = found.workers
    if found.ceiling_beside:
        for label, result in ((f"1 worker ({found.per_commit:.1f} per commit)", one),
                              ("2 workers", two)):  # fmt: skip
            table.append(
                Row(
                    f"{where}: signed durable pay/s, {top} concurrent, {label}",
                    result.rate,
                    "req/s",
                    "fsync'd commits/s, one connection, measured between the rounds",
                    found.ceiling_beside,
                    ">= 0.25x the ceiling",
                    not result.invalid and result.rate >= 0.25 * found.ceiling_beside,
                )
            )
    if found.batching_off is not None:
        on, off = found.batching_off
        table.append(
            Row(
                f"{where}: pay p50, 1 terminal, group commit on",
                on.p50_ms,
                "ms",
                "same database, a server with commit_batch 1 (off), turns taken",
                off.p50_ms,
                "<= 1.2x batching off",
                not on.invalid and not off.invalid and on.p50_ms <= 1.2 * off.p50_ms,
            )
        )
    table.append(
        Row(
            f"{where}: pay/s, {top} concurrent, serve --workers 2",
            two.rate,
            "req/s",
            "one worker, same database, turns taken",
            one.rate,
            ">= 1.6x one worker",
            not one.invalid and not two.invalid and two.rate >= 1.6 * one.rate,
        )
    )
    if one.cores:
        table.append(
            Row(
                f"{where}: pay/s, {top} concurrent, serve --workers 2",
                two.rate,
                "req/s",
                f"what {CORES} cores allow at one worker's CPU per pay ({one.cores:.2f} cores"
                f" busy for {one.rate:,.0f}/s: server, database and wrk)",
                one.rate * CORES / one.cores,
            )
        )
    if found.lane is not None:
        lane, no_lane = found.lane
        table.append(
            Row(
                f"{where}: pay/s, {top} concurrent, terminal routes in the lane",
                lane.rate,
                "req/s",
                "the same through FastAPI's routing and middleware (--no-lane), turns taken",
                no_lane.rate,
            )
        )
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="each wrk run (default 3)")
    parser.add_argument("--rounds", type=int, default=3, help="echo+pay rounds a level (default 3)")
    parser.add_argument("--levels", default="1,8,32", help="concurrent clients (default 1,8,32)")
    parser.add_argument("--only", choices=["sqlite", "postgresql"], default=None)
    args = parser.parse_args()
    run([int(x) for x in args.levels.split(",")], args.seconds, args.rounds, args.only)


if __name__ == "__main__":
    main()
