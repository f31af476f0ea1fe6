"""Load: 200 terminals paying on loopback for 60 s, against SQLite and against PostgreSQL.

Run as a module (not part of the timed test suite)::

    .venv/bin/python -m bench.load [--terminals 200] [--seconds 60] [--only sqlite|postgresql]
                                   [--client sdk|raw]

Two targets, one after the other, each started fresh in a temporary directory:

- ``sqlite``: one ``scanpay-backend serve`` on SQLite (WAL, synchronous=FULL);
- ``postgresql``: two ``serve`` instances on one PostgreSQL started like the
  test harness does, but durable (fsync and synchronous commit on, as in
  production); the terminals alternate between the two instances.

Before the run, ``--terminals`` terminals are enrolled (each its own
identity and secret, its own connection), and members with their payment
codes are made in the database with the backend's own functions
(``tests.harness.issue_codes``, as ``bench.backend`` does), 8 codes per
member: the backend's risk rule asks for the PIN after 10 no-PIN payments a
member makes in a day, and this measures no-PIN payments. The codes live an
hour, so they stay valid through the run.

Each terminal sends one request at a time on its own keep-alive connection,
like a till. ``--client sdk`` (the default): each terminal is the terminal
SDK's ``ScanPayClient`` (httpx; it signs each request and checks each
answer's signature and nonce), as the POS and PDA apps use it. ``--client
raw``: every request is signed before the run and written as bytes on
asyncio streams, answers checked the same way; a lighter generator, for when
the SDK's own CPU cost would hide the server's. Three phases per target, all
with every terminal busy:

1. ``GET /healthz`` (a ``SELECT 1``) through the same client library: the
   client's own ceiling. If it is well above the pay rate, the client is
   not what limits the pay figures;
2. ``/v1/echo``: the server's bare signed round trip (with its nonce write),
   the peer DESIGN.md section 14 measures ``pay`` against (>= 0.5x the rate,
   <= 2x the p99);
3. ``/v1/pay``: the payments (``--seconds``).

Then: throughput, p50/p99 latency (client side, the whole call), answers by
kind, the CPU the generator and the servers used in each phase, and the
ledger check: ``scanpay-backend verify``, and the trades the backend holds
as paid against the answers the terminals got (count and points). The exit
status is 1 if the ledger check fails.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import json
import os
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

if not __package__:
    raise SystemExit("run me as: python -m bench.load")

import httpx
from sqlalchemy import text

from backend_stub.storage.db import Database
from bench.backend import SERVER_SETTINGS
from bench.table import Row
from protocol import signing
from protocol.errors import ScanPayError
from protocol.models import TradeState, TradeView
from terminal_sdk.client import ScanPayClient
from terminal_sdk.credentials import Credentials
from tests.harness import (
    BackendServer,
    Operator,
    PostgresServer,
    issue_codes,
    seed_and_token,
    signed_request,
)

CODES_PER_MEMBER = 8  # under the risk rule's 10 no-PIN payments a day
READ_TIMEOUT_S = 30.0


# -- the load generator: one raw keep-alive HTTP/1.1 connection per terminal --------------------


class Connection:
    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def exchange(self, request: bytes) -> tuple[int, bytes]:
        """Send one request, read its whole answer: (status, body). Reconnects when needed."""
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        self.writer.write(request)
        await self.writer.drain()
        head = await self.reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        length = 0
        closing = False
        for line in lines[1:]:
            name, _, value = line.partition(":")
            if name.lower() == "content-length":
                length = int(value)
            elif name.lower() == "connection" and value.strip().lower() == "close":
                closing = True
        body = await self.reader.readexactly(length)
        if closing:
            self.close()
        return status, body

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


def http_post(host: str, port: int, path: str, body: dict[str, Any]) -> bytes:
    payload = json.dumps(body, separators=(",", ":")).encode()
    return (
        f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(payload)}\r\n\r\n"
    ).encode() + payload


def http_get(host: str, port: int, path: str) -> bytes:
    return f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\n\r\n".encode()


@dataclass
class LoadTerminal:
    terminal_id: str
    secret: str
    port: int
    codes: list[tuple[str, int]] = field(default_factory=list)  # (code, amount_fen)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@dataclass
class Phase:
    """What one phase measured."""

    name: str
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    kinds: Counter[str] = field(default_factory=Counter)
    paid_fen: int = 0
    ran_out: int = 0  # terminals that used up their pre-signed requests before the end
    cpu_s: float = 0.0  # this process's CPU time during the phase
    server_cpu_s: float = 0.0

    @property
    def ok(self) -> int:
        return self.kinds["ok"]

    @property
    def rate(self) -> float:
        return self.ok / self.seconds if self.seconds else 0.0

    def percentile(self, q: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000

    @property
    def errors(self) -> str:
        bad = {k: v for k, v in self.kinds.items() if k != "ok"}
        return ", ".join(f"{k} {v}" for k, v in sorted(bad.items())) or "none"


Judge = Callable[[int, bytes, dict[str, Any] | None], tuple[str, int]]  # -> (kind, paid fen)
Step = Callable[[], Awaitable[tuple[str, int]]]  # one request and its answer: (kind, paid fen)


async def drive(
    name: str, steps: list[list[Step]], seconds: float, server_pids: list[int]
) -> Phase:
    """Every terminal takes its steps one after the other until ``seconds`` pass."""
    phase = Phase(name)
    start = time.perf_counter()
    stop_at = start + seconds
    cpu0, server0 = time.process_time(), _cpu_of(server_pids)

    async def one(mine: list[Step]) -> None:
        for step in mine:
            if time.perf_counter() >= stop_at:
                return
            sent = time.perf_counter()
            kind, fen = await step()
            phase.latencies.append(time.perf_counter() - sent)
            phase.kinds[kind] += 1
            phase.paid_fen += fen
        phase.ran_out += 1

    await asyncio.gather(*(one(mine) for mine in steps))
    phase.seconds = min(time.perf_counter(), stop_at) - start
    phase.cpu_s = time.process_time() - cpu0
    phase.server_cpu_s = _cpu_of(server_pids) - server0
    return phase


def raw_step(conn: Connection, raw: bytes, signed: dict[str, Any] | None, judge: Judge) -> Step:
    """Write pre-made bytes on the terminal's connection, read the answer, judge it."""

    async def step() -> tuple[str, int]:
        try:
            status, body = await asyncio.wait_for(conn.exchange(raw), READ_TIMEOUT_S)
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError) as exc:
            conn.close()
            return f"transport {type(exc).__name__}", 0
        except TimeoutError:
            conn.close()
            return "timeout", 0
        return judge(status, body, signed)

    return step


def sdk_step(call: Callable[[], Awaitable[TradeView | None]]) -> Step:
    """One call of the terminal SDK (it signs, sends, checks the answer's signature and nonce)."""

    async def step() -> tuple[str, int]:
        try:
            trade = await call()
        except ScanPayError as exc:
            return f"{type(exc).__name__} {exc.code.value}", 0
        if trade is None:  # echo
            return "ok", 0
        if trade.state is TradeState.SUCCESS:
            return "ok", trade.amount_fen
        return f"{trade.state.value} {trade.reason}", 0

    return step


def plain_get_step(http: httpx.AsyncClient, path: str) -> Step:
    async def step() -> tuple[str, int]:
        try:
            answer = await http.get(path)
        except httpx.HTTPError as exc:
            return f"transport {type(exc).__name__}", 0
        return ("ok" if answer.status_code == 200 else f"HTTP {answer.status_code}"), 0

    return step


def _cpu_of(pids: list[int]) -> float:
    """User + system CPU seconds of these processes so far (Linux /proc)."""
    total = 0.0
    tick = os.sysconf("SC_CLK_TCK")
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / tick
    return total


def judge_plain(status: int, body: bytes, signed: dict[str, Any] | None) -> tuple[str, int]:
    return ("ok" if status == 200 else f"HTTP {status}"), 0


def judge_signed(secret_of: dict[str, str]) -> Judge:
    """Check the answer as a terminal does; ``ok`` means a signed OK (and SUCCESS for a pay)."""

    def judge(status: int, body: bytes, signed: dict[str, Any] | None) -> tuple[str, int]:
        assert signed is not None
        try:
            answer = json.loads(body)
        except ValueError:
            return f"HTTP {status} not JSON", 0
        if not signing.verify(answer, secret_of[signed["terminal_id"]]):
            return f"HTTP {status} unsigned {answer.get('code')}", 0
        if answer.get("nonce") != signed["nonce"]:
            return "answer for another request", 0
        if answer.get("code") != "OK":
            return f"{answer.get('code')}", 0
        data = answer.get("data") or {}
        if "payment_code" not in signed:
            return "ok", 0
        if data.get("state") == "SUCCESS":
            return "ok", int(data["amount_fen"])
        return f"{data.get('state')} {data.get('reason')}", 0

    return judge


# -- setting a target up ---------------------------------------------------------------------------


@dataclass
class Target:
    name: str
    servers: list[BackendServer]
    database_url: str
    postgres: PostgresServer | None = None

    def close(self) -> None:
        for server in self.servers:
            server.stop()
        if self.postgres is not None:
            self.postgres.stop()


def start_target(kind: str, root: Path, serve_args: dict[str, Any]) -> Target:
    if kind == "sqlite":
        server = BackendServer(root / "sqlite", settings=dict(serve_args))
        seed_and_token(server)
        server.start()
        url = f"sqlite:///{server.data_dir / 'scanpay.db'}"
        return Target("SQLite, 1 backend", [server], url)
    postgres = PostgresServer(durable=True).start()
    url = postgres.create_database("scanpay_load")
    servers = [BackendServer(root / f"pg-{n}", url, dict(serve_args)) for n in (1, 2)]
    seed_and_token(servers[0])
    for server in servers:
        server.start()
    return Target("PostgreSQL, 2 backends", servers, url, postgres)


def enrol_terminals(target: Target, count: int) -> list[LoadTerminal]:
    token = target.servers[0].run_cli("admin-token").stdout.strip().splitlines()[-1]
    operator = Operator(target.servers[0].url, token)
    made = []
    try:
        with httpx.Client(timeout=30) as http:
            for n in range(count):
                server = target.servers[n % len(target.servers)]
                answer = http.post(
                    server.url + "/v1/enrol",
                    json={
                        "activation_code": operator.activation_code("pos"),
                        "kind": "pos",
                        "device_name": f"load-{n}",
                    },
                ).json()
                data = answer["data"]
                made.append(LoadTerminal(data["terminal_id"], data["secret"], server.port))
    finally:
        operator.close()
    return made


def make_codes(target: Target, terminals: list[LoadTerminal], per_terminal: int) -> float:
    """Members and their codes, made in the database before the run; returns the seconds taken."""
    started = time.perf_counter()
    codes = issue_codes(
        target.database_url,
        len(terminals) * per_terminal,
        per_member=CODES_PER_MEMBER,
        points=1_000_000,
    )
    for n, terminal in enumerate(terminals):  # one member's codes spread over terminals
        terminal.codes = [(codes[i], 100 + (i % 400)) for i in range(n, len(codes), len(terminals))]
    return time.perf_counter() - started


def presign(terminal: LoadTerminal, path: str, fields: list[dict[str, Any]]) -> list[Any]:
    out = []
    for extra in fields:
        body = signed_request(terminal.terminal_id, terminal.secret, extra)
        out.append((http_post("127.0.0.1", terminal.port, path, body), body))
    return out


def ledger_check(target: Target, pay: Phase) -> tuple[bool, int, list[str]]:
    """``verify``, and the paid trades in the database against what the terminals were told.

    Returns (all good, trades paid in the database, the lines to print).
    """
    verified = target.servers[0].run_cli("verify", check=False)
    db = Database(target.database_url)
    try:
        with db.read() as conn:
            paid, points = conn.execute(
                text(
                    "SELECT count(*), coalesce(sum(charge), 0) FROM trades"
                    " WHERE state = 'SUCCESS' AND out_trade_no LIKE 'L%'"
                )
            ).one()
    finally:
        db.dispose()
    agree = paid == pay.ok and points == pay.paid_fen
    return (
        verified.returncode == 0 and agree,
        int(paid),
        [
            f"verify: {'OK' if verified.returncode == 0 else 'FAILED'} ({verified.stdout.strip()})",
            f"trades paid in the database: {paid} (terminals were told SUCCESS: {pay.ok}); "
            f"points taken {points:,} (amounts the terminals saw paid: {pay.paid_fen:,} fen "
            f"= points at 100 points per CNY 1.00): {'they agree' if agree else 'THEY DISAGREE'}",
        ],
    )


# -- the run --------------------------------------------------------------------------------------


def pay_fields(terminal: LoadTerminal) -> list[dict[str, Any]]:
    """The terminal's payments, one per code it was given."""
    return [
        {
            "out_trade_no": f"L{terminal.terminal_id[-8:]}{n:06d}",
            "payment_code": code,
            "amount_fen": amount,
        }
        for n, (code, amount) in enumerate(terminal.codes)
    ]


async def three_phases(
    steps: tuple[list[list[Step]], list[list[Step]], list[list[Step]]],
    lengths_s: tuple[float, float],
    pids: list[int],
) -> list[Phase]:
    """healthz and echo for ``lengths_s[0]``, then pay for ``lengths_s[1]``."""
    health, echo, pays = steps
    return [
        await drive("healthz", health, lengths_s[0], pids),
        await drive("echo", echo, lengths_s[0], pids),
        await drive("pay", pays, lengths_s[1], pids),
    ]


async def run_phases(
    client: str,
    terminals: list[LoadTerminal],
    ceilings: tuple[float, float],
    seconds: float,
    pids: list[int],
) -> list[Phase]:
    """healthz (the client's own ceiling), echo (the server's bare signed round trip), pay.

    ``ceilings``: how long the healthz and echo phases last, and the rate they are made for.
    """
    ceiling_s, ceiling_rate = ceilings
    ceiling_n = int(ceiling_rate * ceiling_s / len(terminals)) + 1
    if client == "raw":
        conns = [Connection("127.0.0.1", t.port) for t in terminals]
        signed = judge_signed({t.terminal_id: t.secret for t in terminals})
        health = [
            [raw_step(c, http_get("127.0.0.1", t.port, "/healthz"), None, judge_plain)] * ceiling_n
            for c, t in zip(conns, terminals, strict=True)
        ]
        echo = [
            [
                raw_step(c, raw, body, signed)
                for raw, body in presign(t, "/v1/echo", [{}] * ceiling_n)
            ]
            for c, t in zip(conns, terminals, strict=True)
        ]
        pays = [
            [raw_step(c, raw, body, signed) for raw, body in presign(t, "/v1/pay", pay_fields(t))]
            for c, t in zip(conns, terminals, strict=True)
        ]
        try:
            return await three_phases((health, echo, pays), (ceiling_s, seconds), pids)
        finally:
            for conn in conns:
                conn.close()
    plain = [httpx.AsyncClient(base_url=t.url, timeout=READ_TIMEOUT_S) for t in terminals]
    sdks = [
        ScanPayClient(t.url, Credentials(t.terminal_id, t.secret), request_timeout_s=READ_TIMEOUT_S)
        for t in terminals
    ]
    try:
        health = [[plain_get_step(http, "/healthz")] * ceiling_n for http in plain]
        echo = [[sdk_step(sdk.echo)] * ceiling_n for sdk in sdks]
        pays = [
            [sdk_step(functools.partial(sdk.pay, **fields)) for fields in pay_fields(t)]
            for sdk, t in zip(sdks, terminals, strict=True)
        ]
        return await three_phases((health, echo, pays), (ceiling_s, seconds), pids)
    finally:
        for http in plain:
            await http.aclose()
        for sdk in sdks:
            await sdk.aclose()


@dataclass
class TargetRun:
    """One target's run: its phases, the ledger check, the lines printed."""

    name: str
    phases: list[Phase] = field(default_factory=list)
    paid_in_db: int = 0
    ok: bool = False
    lines: list[str] = field(default_factory=list)


def run_target(kind: str, args: argparse.Namespace, root: Path) -> TargetRun:
    # This measures the server, not its limits: the rate limits are lifted (as in bench.backend)
    # and every terminal may wait for a slot of the request bulkhead instead of being turned away.
    serve_args: dict[str, Any] = {
        **SERVER_SETTINGS,
        "db_queue": args.terminals,
        **dict(a.split("=", 1) for a in args.serve_arg),
    }
    target = start_target(kind, root, serve_args)
    run = TargetRun(target.name)
    lines = run.lines
    try:
        t0 = time.perf_counter()
        terminals = enrol_terminals(target, args.terminals)
        per_terminal = -(-int(args.max_rate * args.seconds) // args.terminals)
        minted = make_codes(target, terminals, per_terminal)
        lines.append(
            f"set-up: {len(terminals)} terminals enrolled, "
            f"{len(terminals) * per_terminal:,} codes of "
            f"{len(terminals) * per_terminal // CODES_PER_MEMBER:,} members made in "
            f"{minted:.0f} s ({time.perf_counter() - t0:.0f} s in all)"
        )
        pids = [s.process.pid for s in target.servers if s.process is not None]
        ceilings = (args.ceiling_seconds, args.ceiling_rate)
        run.phases = asyncio.run(run_phases(args.client, terminals, ceilings, args.seconds, pids))
        lines += format_phases(run.phases, args.client)
        run.ok, run.paid_in_db, checked = ledger_check(target, run.phases[-1])
        lines += checked
    finally:
        target.close()
    return run


def format_phases(phases: list[Phase], client: str) -> list[str]:
    head = (
        f"{'phase':8} {'answers':>8} {'OK/s':>8} {'p50 ms':>8} {'p99 ms':>8}  "
        f"{'CPU generator/server':24}  errors"
    )
    out = [head, "-" * len(head)]
    for p in phases:
        cpu = f"{p.cpu_s / p.seconds:4.0%} / {p.server_cpu_s / p.seconds:4.0%} of a core"
        out.append(
            f"{p.name:8} {sum(p.kinds.values()):8,} {p.rate:8.1f} {p.percentile(0.5):8.1f} "
            f"{p.percentile(0.99):8.1f}  {cpu:24}  {p.errors}"
        )
        if p.ran_out:
            out.append(
                f"  ! {p.ran_out} terminals used up their requests before the end: "
                "the rate is a floor (raise --max-rate or --ceiling-rate)"
            )
    healthz, echo, pay = phases
    if healthz.rate:
        verdict = "not the limit" if pay.rate < 0.7 * healthz.rate else "perhaps the limit"
        out.append(
            f"pay rate = {pay.rate / healthz.rate:.2f}x the client's own ceiling "
            f"(healthz through the same {client} client, terminals and connections): "
            f"the client is {verdict}"
        )
    if pay.cpu_s > 0.8 * pay.seconds:
        out.append(
            f"  ! the generator used {pay.cpu_s / pay.seconds:.0%} of a core during pay: "
            "it may be the limit (--client raw is the lighter one)"
        )
    if echo.rate and pay.latencies:
        p99_ratio = pay.percentile(0.99) / echo.percentile(0.99)
        out.append(
            f"pay / echo (same server, same run): rate {pay.rate / echo.rate:.2f}x "
            f"(DESIGN.md 14 aims at >= 0.5x), p99 {p99_ratio:.1f}x (aims at <= 2x)"
        )
    return out


def arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__)
    parser.add_argument("--terminals", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=60.0, help="length of the pay phase")
    parser.add_argument("--only", choices=["sqlite", "postgresql"], action="append")
    parser.add_argument(
        "--client",
        choices=["sdk", "raw"],
        default="sdk",
        help="sdk: each terminal is a terminal_sdk ScanPayClient (default); raw: pre-signed bytes "
        "on asyncio streams, the lighter generator",
    )
    parser.add_argument(
        "--max-rate",
        type=float,
        default=600.0,
        help="payments per second the codes are made for (default 600; a floor is said if short)",
    )
    parser.add_argument(
        "--ceiling-rate",
        type=float,
        default=3000.0,
        help="requests per second the healthz and echo phases are signed for (default 3000)",
    )
    parser.add_argument(
        "--serve-arg",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="an extra `serve` setting for every backend, e.g. pool_size=20 (repeatable)",
    )
    parser.add_argument(
        "--ceiling-seconds", type=float, default=8.0, help="length of the healthz and echo phases"
    )
    return parser.parse_args(argv)


def run_all(args: argparse.Namespace, show: bool = True) -> list[TargetRun]:
    """Every target in turn, each started fresh; each one's lines printed when done."""
    runs = []
    with tempfile.TemporaryDirectory(prefix="scanpay-load-") as tmp:
        for kind in args.only or ["sqlite", "postgresql"]:
            run = run_target(kind, args, Path(tmp))
            if show:
                print(f"\n== {run.name} ==")
                print("\n".join(run.lines), flush=True)
            runs.append(run)
    return runs


def rows(argv: list[str] | None = None) -> list[Row]:
    """For ``make bench``: a shorter run (10 s of payments), each figure beside its peer."""
    args = arguments(argv if argv is not None else ["--seconds", "10", "--ceiling-seconds", "4"])
    out: list[Row] = []
    for run in run_all(args, show=False):
        healthz, echo, pay = run.phases
        who = f"load, {run.name}, {args.terminals} {args.client} terminals"
        errors = sum(pay.kinds.values()) - pay.ok
        out += [
            Row(f"{who}: pay", pay.rate, "/s", "signed echo, same server", echo.rate,
                ">= 0.5x echo (DESIGN.md 14 sets it for 1-32 terminals)",
                pay.rate >= 0.5 * echo.rate),
            Row(f"{who}: pay p99", pay.percentile(0.99), "ms", "echo p99", echo.percentile(0.99),
                "<= 2x echo p99", pay.percentile(0.99) <= 2 * echo.percentile(0.99)),
            Row(f"{who}: pay", pay.rate, "/s", "healthz through the same client (its ceiling)",
                healthz.rate),
            Row(f"{who}: trades paid in the database", run.paid_in_db, "",
                "SUCCESS answers the terminals got", pay.ok, "equal, verify OK", run.ok),
            Row(f"{who}: pay answers not OK", errors, "", "pay answers", sum(pay.kinds.values()),
                "0", errors == 0),
        ]  # fmt: skip
    return out


def main(argv: list[str] | None = None) -> int:
    args = arguments(argv)
    print(f"{args.terminals} terminals, {args.seconds:g} s of payments, {os.cpu_count()} cores")
    return 0 if all(run.ok for run in run_all(args)) else 1


if __name__ == "__main__":
    raise SystemExit(main())
