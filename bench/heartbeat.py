"""Heartbeat benchmark: what 1,000 terminals at one heartbeat each 30 s cost the server.

    .venv/bin/python -m bench.heartbeat [--seconds 3] [--rounds 3] [--clients 32]

One SQLite server (WAL, ``synchronous=FULL``, as in ``bench.backend``), in
one run: its capacity for signed heartbeats (a till's report with three
devices, one of them in error, recorded durably) and, beside it, for signed
no-PIN pays, both with ``wrk`` at the same number of concurrent terminals.
1,000 terminals at one heartbeat each 30 s send 33.3 a second; their share
of the server is 33.3 / heartbeat capacity (DESIGN.md 14: under a tenth).
The pay capacity beside it says what that share is worth in payments.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import uuid
from pathlib import Path

if not __package__:
    raise SystemExit("run me as: python -m bench.heartbeat")

from bench.backend import (
    AMOUNT_FEN,
    HERE,
    SERVER_SETTINGS,
    Load,
    _bodies_needed,
    _signed,
    write_bodies,
    wrk,
)
from bench.table import Row
from tests.harness import BackendServer

FLEET = 1_000
INTERVAL_S = 30.0
REPORT = {
    "app": "scanpay-pos",
    "version": "0.1.0",
    "devices": [
        {
            "kind": "scanner",
            "url": "serial:///dev/ttyACM0?baud=9600",
            "state": "OK",
            "last_scan_at": 1,
        },
        {"kind": "pinpad", "url": "serial:///dev/ttyUSB1", "state": "OK"},
        {"kind": "printer", "url": "tcp://10.0.0.9:9100", "state": "ERROR", "error": "Paper out."},
    ],
    "in_doubt": 0,
    "clock_offset_s": 1,
}


def measure(seconds: float, rounds: int, clients: int) -> tuple[float, float]:
    """(heartbeats/s, pays/s): medians of ``rounds`` back-to-back runs each."""
    data = Path(tempfile.mkdtemp(prefix="scanpay-bench-heartbeat-", dir=HERE.parent))
    work = data / "bodies"
    server = BackendServer(data, None, dict(SERVER_SETTINGS))
    try:
        server.run_cli("seed-demo")
        server.start()
        load = Load(f"sqlite:///{data / 'scanpay.db'}", clients)
        threads = min(clients, 2)
        beats: list[float] = []
        pays: list[float] = []
        best = 3000.0
        for _ in range(max(1, rounds)):
            bodies = [
                _signed(load.terminals[i % clients], REPORT)
                for i in range(_bodies_needed(best, seconds))
            ]
            write_bodies(work, bodies, threads)
            load.settle()
            beat = wrk(server.url + "/v1/heartbeat", str(work), clients, seconds, '"code":"OK"')
            codes = load.take_codes(_bodies_needed(beat.rate, seconds))
            pay_bodies = [
                _signed(
                    load.terminals[i % clients],
                    {
                        "out_trade_no": uuid.uuid4().hex[:24],
                        "payment_code": code,
                        "amount_fen": AMOUNT_FEN,
                    },
                )
                for i, code in enumerate(codes)
            ]
            write_bodies(work, pay_bodies, threads)
            load.settle()
            pay = wrk(server.url + "/v1/pay", str(work), clients, seconds, '"state":"SUCCESS"')
            for name, result in (("heartbeat", beat), ("pay", pay)):
                if result.invalid:
                    raise RuntimeError(f"invalid {name} run: {result.invalid}")
            beats.append(beat.rate)
            pays.append(pay.rate)
            print(f"  round: {beat.rate:7.0f} heartbeats/s   {pay.rate:7.0f} pays/s")
        return statistics.median(beats), statistics.median(pays)
    finally:
        server.stop()
        shutil.rmtree(data, ignore_errors=True)


def rows(seconds: float = 3.0, rounds: int = 3, clients: int = 32) -> list[Row]:
    beats, pays = measure(seconds, rounds, clients)
    need = FLEET / INTERVAL_S
    share = need / beats
    print(
        f"bench.heartbeat: {beats:.0f} heartbeats/s, {pays:.0f} pays/s at {clients} clients; "
        f"{FLEET} terminals at {INTERVAL_S:g} s need {need:.1f}/s = {share:.3f} of the server"
    )
    return [
        Row(
            f"heartbeat: signed heartbeats/s, SQLite, {clients} concurrent",
            beats,
            "req/s",
            "signed no-PIN pay/s, same server and clients",
            pays,
        ),
        Row(
            f"heartbeat: share of the server {FLEET} terminals at one each {INTERVAL_S:g} s take",
            share,
            "",
            "the server's heartbeat capacity (1.0 = all of it)",
            1.0,
            "< 0.1 of the server",
            share < 0.1,
        ),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="each wrk run (default 3)")
    parser.add_argument("--rounds", type=int, default=3, help="heartbeat+pay rounds (default 3)")
    parser.add_argument("--clients", type=int, default=32, help="concurrent terminals (32)")
    args = parser.parse_args()
    rows(args.seconds, args.rounds, args.clients)


if __name__ == "__main__":
    main()
