"""The full fault suite: ``make faults`` or ``python -m tests.faults [--tills 40] ...``.

Prints one row per scenario: trades attempted, paid, not charged, definite
on the till when the payment returned, still in doubt after the tills
settled, disagreements between till and ledger, double charges, and
``scanpay-backend verify``; exit status 1 if any count that must be zero
is not, or a payment ended other than "paid" or "not charged" on the till.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import time

from .scenarios import SCENARIOS, Lab, Scale, run_all
from .tally import table


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.faults", description=__doc__)
    parser.add_argument("--tills", type=int, default=40, help="terminals paying (default 40)")
    parser.add_argument("--shoppers", type=int, default=3, help="members per till (default 3)")
    parser.add_argument("--seconds", type=float, default=30.0, help="load per scenario (30)")
    parser.add_argument("--kills", type=int, default=2, help="SIGKILLs / PostgreSQL crashes (2)")
    parser.add_argument("--down", type=float, default=2.0, help="seconds a killed server is down")
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument("--only", action="append", choices=list(SCENARIOS), help="repeatable")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    scale = Scale(args.tills, args.shoppers, args.seconds, args.kills, args.down, args.seed)
    lab = Lab()
    started = time.monotonic()
    try:
        tallies = asyncio.run(run_all(scale, lab, args.only))
    finally:
        lab.close()
    print(table(tallies))
    print(
        f"\n{scale.tills} tills x {scale.shoppers_each} shoppers, {scale.seconds:g} s of load "
        f"per scenario, seed {scale.seed}; {time.monotonic() - started:.0f} s in all"
    )
    for tally in tallies:
        for problem in tally.problems[:20]:
            print(f"  {tally.scenario}: {problem}")
    return 0 if all(t.ok for t in tallies) else 1


if __name__ == "__main__":
    raise SystemExit(main())
