"""The money properties under faults: a crashed terminal, and random fault schedules.

After the terminal has settled, whatever went wrong on the way:
- never charged twice, and never charged without PAID on the terminal
  (the member's balance moved by exactly the PAID payments);
- never PAID without the backend's trade being SUCCESS with its ledger lines
  (``verify`` agrees with every balance).
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from terminal_sdk.client import enrol
from terminal_sdk.credentials import Credentials
from terminal_sdk.profiles import QueryProfile
from terminal_sdk.session import Outcome
from terminal_sdk.terminal import Terminal

from .conftest import terminal_config
from .faults import Fault, FaultyTransport
from .test_session_backend import pin_pad, points

REPO = Path(__file__).resolve().parents[2]

FASTER = QueryProfile(
    first_query_s=0.02,
    intervals_s=(0.05, 0.1),
    deadline_s=1.0,
    reverse_intervals_s=(0.0, 0.05, 0.1),
    reverse_deadline_s=1.5,
    pin_margin_s=1.0,
)

_CHILD = """
import asyncio, json, sys
from terminal_sdk.credentials import Credentials
from terminal_sdk.terminal import Terminal
from tests.sdk.conftest import terminal_config
from tests.sdk.faults import Fault, FaultyTransport
from tests.sdk.test_session_backend import pin_pad

args = json.loads(sys.argv[1])
die_on = args["die_on"]
plan = lambda name, body: Fault.DIE if name == die_on else None
terminal = Terminal(terminal_config(args["url"], args["data_dir"]), Credentials(**args["creds"]),
                    transport=FaultyTransport(plan))
asyncio.run(terminal.session(pin_source=pin_pad("123456")).pay(args["code"], args["amount"]))
"""


def run_dying_terminal(
    url: str, data_dir: Path, creds: Credentials, code: str, amount: int, die_on: str
) -> int:
    args = {
        "url": url,
        "data_dir": str(data_dir),
        "creds": creds.__dict__,
        "code": code,
        "amount": amount,
        "die_on": die_on,
    }
    proc = subprocess.run(
        [sys.executable, "-c", _CHILD, json.dumps(args)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    return proc.returncode


async def test_terminal_killed_after_the_pay_reached_the_backend(backend_sqlite, tmp_path):
    member = backend_sqlite.member(points=5000)
    creds = await enrol(backend_sqlite.url, backend_sqlite.operator.activation_code("pos"))
    code = await asyncio.to_thread(member.code)
    assert (
        await asyncio.to_thread(
            run_dying_terminal, backend_sqlite.url, tmp_path, creds, code, 800, "pay"
        )
        == 9
    )
    assert points(member) == 4200  # the backend took it; the terminal never heard
    async with Terminal(
        terminal_config(backend_sqlite.url, tmp_path), creds, profile=FASTER
    ) as terminal:
        [entry] = terminal.in_doubt()
        report = await terminal.settle()
        assert [r.outcome for r in report.payments] == [Outcome.PAID]
        assert terminal.in_doubt() == []
        settled = terminal.journal.payment(entry.out_trade_no)
        assert settled is not None and settled.state == "PAID"
    assert points(member) == 4200


async def test_terminal_killed_while_the_customer_types_the_pin(backend_sqlite, tmp_path):
    member = backend_sqlite.member(points=100_000)
    creds = await enrol(backend_sqlite.url, backend_sqlite.operator.activation_code("pos"))
    code = await asyncio.to_thread(member.code)
    assert (
        await asyncio.to_thread(
            run_dying_terminal, backend_sqlite.url, tmp_path, creds, code, 30_000, "confirm"
        )
        == 9
    )
    async with Terminal(
        terminal_config(backend_sqlite.url, tmp_path), creds, profile=FASTER
    ) as terminal:
        report = await terminal.settle()
        # the confirm reached the backend, so the settle finds it paid
        assert [r.outcome for r in report.payments] == [Outcome.PAID]
    assert points(member) == 70_000


faults = st.sampled_from(
    [None, None, Fault.LOSE, Fault.CUT, Fault.BAD_GATEWAY, Fault.REFUSE, Fault.TAMPER]
)


@settings(max_examples=8, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(schedule=st.lists(faults, min_size=1, max_size=10))
def test_random_fault_schedules_keep_the_money_right(backend_sqlite, schedule):
    asyncio.run(_one_schedule(backend_sqlite, list(schedule)))


async def _one_schedule(live, schedule: list[Fault | None]) -> None:
    member = live.member(points=100_000)
    creds = await enrol(live.url, live.operator.activation_code("pos"))
    pending = list(schedule)

    def plan(name, body):
        return pending.pop(0) if pending else None

    with tempfile.TemporaryDirectory() as data_dir:
        config = terminal_config(live.url, Path(data_dir))
        async with Terminal(
            config, creds, transport=FaultyTransport(plan), profile=FASTER
        ) as terminal:
            paid = 0
            for amount, pad in ((1_500, None), (25_000, pin_pad("123456"))):
                result = await terminal.session(pin_source=pad).pay(member.code(), amount)
                paid += amount if result.outcome is Outcome.PAID else 0
            await terminal.settle()
            assert terminal.in_doubt() == [], schedule
            entries = terminal.journal.recent_payments()
        async with Terminal(config, creds) as clean:
            for entry in entries:
                if entry.state == "PAID":
                    trade = await clean.client.query(entry.out_trade_no)
                    assert trade.state == "SUCCESS", (schedule, trade)
    assert points(member) == 100_000 - paid, schedule
    assert live.operator.verify()["ok"] is True
