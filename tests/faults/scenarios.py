"""The fault scenarios: load from a fleet of tills while something goes wrong, then the count.

Each scenario enrols a fresh :class:`~tests.faults.fleet.Fleet` (so its
figures are its own), lets it pay for a while, does its damage, heals,
stops the load (each till finishes the payment it is in), lets every till
settle its journal as it would at start-up, runs ``scanpay-backend verify``
and counts (:mod:`tests.faults.tally`):

- ``backend killed``: the SQLite backend gets SIGKILL mid-load and is started
  again on the same port a second later (``kills`` times);
- ``batch killed``: the same, but each SIGKILL lands while a shared commit
  (group commit, several requests' transactions) is held at its commit by
  the server's drill file (``--commit-drill-file``): once with the batch
  written to disk and none of its requests answered yet, once with it about
  to commit (``kills`` times each);
- ``proxy``: the tills reach the backend through :class:`FaultProxy`, which
  delays, drops and cuts answers and loses requests at random;
- ``clock``: every till is held mid-payment (a code shown but not scanned
  yet, or a PIN not typed yet) while the running backend's clock moves two
  minutes ahead (``--clock-offset-file``): past the codes' 60 s and the
  PIN deadline's 90 s; then they carry on, and so does the load;
- ``PostgreSQL restarted``: two backends on one PostgreSQL (durable, as in
  production), tills split between them; PostgreSQL is stopped as in a
  crash and started again mid-load (``kills`` times).
"""

from __future__ import annotations

import asyncio
import functools
import shutil
import tempfile
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, text

from terminal_sdk.session import EventKind
from tests.harness import BackendServer, Operator, PostgresServer, seed_and_token

from .fleet import Fleet
from .proxy import FaultProxy, passing, shuffled_plan
from .tally import Tally, count, terminals_in

__all__ = ["SCENARIOS", "Lab", "Scale", "run_all"]

# Every member of the fleet signs in from this one address: the per-address SMS limit is lifted.
_SMS = {"sms_per_source": 1_000_000}
CLOCK_JUMP_S = 120  # past a code's 60 s and the PIN deadline's 90 s, inside the 5 min replay window


@dataclass(frozen=True)
class Scale:
    tills: int = 8
    shoppers_each: int = 2
    seconds: float = 6.0  # load per scenario
    kills: int = 1  # SIGKILLs, PostgreSQL restarts
    down_s: float = 1.0  # how long a killed server stays down
    seed: int = 12


class Lab:
    """The servers the scenarios break: a SQLite backend, and PostgreSQL under two backends."""

    def __init__(self, root: Path | None = None) -> None:
        self.root = root or Path(tempfile.mkdtemp(prefix="scanpay-faults-"))
        self._own_root = root is None
        self.clock_file = self.root / "clock-offset"
        self.clock_offset_s = 0.0
        self.drill_file = self.root / "commit-drill"
        self.sqlite = BackendServer(
            self.root / "sqlite",
            settings={
                "clock_offset_file": self.clock_file,
                "commit_drill_file": self.drill_file,
                **_SMS,
            },
        )
        self.sqlite_operator: Operator | None = None
        self.postgres: PostgresServer | None = None
        self.pg_servers: list[BackendServer] = []
        self.pg_operator: Operator | None = None

    def start_sqlite(self) -> Operator:
        if self.sqlite_operator is None:
            _, token = seed_and_token(self.sqlite)
            self.sqlite.start()
            self.sqlite_operator = Operator(self.sqlite.url, token)
        return self.sqlite_operator

    def start_postgres(self) -> Operator:
        if self.pg_operator is None:
            self.postgres = PostgresServer(durable=True).start()
            url = self.postgres.create_database("scanpay_faults")
            self.pg_servers = [
                BackendServer(self.root / f"pg-{n}", url, {"pool_size": 10, **_SMS}) for n in (1, 2)
            ]
            _, token = seed_and_token(self.pg_servers[0])
            for server in self.pg_servers:
                server.start()
            self.pg_operator = Operator(self.pg_servers[0].url, token)
        return self.pg_operator

    def move_clock(self, seconds: float) -> None:
        """Move the SQLite backend's clock ``seconds`` further ahead (written with a rename)."""
        self.clock_offset_s += seconds
        tmp = self.clock_file.with_name(self.clock_file.name + ".new")
        tmp.write_text(f"{self.clock_offset_s}\n")
        tmp.replace(self.clock_file)

    def close(self) -> None:
        for operator in (self.sqlite_operator, self.pg_operator):
            if operator is not None:
                operator.close()
        for server in [self.sqlite, *self.pg_servers]:
            server.stop()
        if self.postgres is not None:
            self.postgres.stop()
        if self._own_root:
            shutil.rmtree(self.root, ignore_errors=True)


Damage = Callable[[Fleet], Awaitable[dict[str, int]]]


async def _scenario(
    name: str,
    scale: Scale,
    lab: Lab,
    *,
    server: BackendServer,
    operator: Operator,
    terminal_urls: list[str],
    damage: Damage,
) -> Tally:
    """Enrol a fleet, load, damage, stop, settle, verify, count."""
    fleet = await Fleet.enrol(
        operator=operator,
        backend_url=server.url,
        terminal_urls=terminal_urls,
        base_dir=lab.root / name.replace(" ", "-"),
        tills=scale.tills,
        shoppers_each=scale.shoppers_each,
        seed=scale.seed,
    )
    try:
        stop = asyncio.Event()
        load = asyncio.create_task(fleet.run(stop))
        try:
            hits = await damage(fleet)
        finally:
            stop.set()
            await load
        left = await fleet.settle()
        verified = await asyncio.to_thread(server.run_cli, "verify", check=False)
        tally = count(name, fleet, _database_url(server), verified.returncode == 0, left)
        reasons = fleet.reasons()
        tally.hits = {
            **hits,
            "queried": fleet.went_through(EventKind.QUERYING),
            "reversed": fleet.went_through(EventKind.REVERSING),
            **{f"{k}": v for k, v in sorted(reasons.items()) if k != "PAID"},
        }
        return tally
    finally:
        await fleet.close()


async def _crash_and_restart(
    fleet: Fleet, scale: Scale, crash: Callable[[], object], restart: Callable[[], object]
) -> int:
    """``kills`` times, spread over the load: crash, stay down ``down_s``, restart.

    Returns how many payments were in flight at the crashes.
    """
    in_flight = 0
    for _ in range(scale.kills):
        await asyncio.sleep(scale.seconds / (scale.kills + 1))
        in_flight += fleet.in_flight
        await asyncio.to_thread(crash)
        await asyncio.sleep(scale.down_s)
        await asyncio.to_thread(restart)
    await asyncio.sleep(scale.seconds / (scale.kills + 1))
    return in_flight


async def backend_killed(scale: Scale, lab: Lab) -> Tally:
    operator = await asyncio.to_thread(lab.start_sqlite)
    server = lab.sqlite

    async def damage(fleet: Fleet) -> dict[str, int]:
        in_flight = await _crash_and_restart(fleet, scale, server.kill, server.start)
        return {"SIGKILL": scale.kills, "paying at the kill": in_flight}

    return await _scenario(
        "backend killed",
        scale,
        lab,
        server=server,
        operator=operator,
        terminal_urls=[server.url],
        damage=damage,
    )


async def batch_killed(scale: Scale, lab: Lab) -> Tally:
    operator = await asyncio.to_thread(lab.start_sqlite)
    server = lab.sqlite
    held = lab.drill_file.with_name(lab.drill_file.name + ".held")
    units = max(2, min(4, scale.tills // 2))  # requests that must share the held commit

    async def kill_in_a_commit(stage: str) -> int:
        """Hold the next batch of ``units`` at its commit, SIGKILL, restart: units it held."""
        lab.drill_file.write_text(f"{stage} {units}\n")
        await _until(held.exists, within=20)
        had = int(held.read_text().split()[1]) if held.exists() else 0
        if had:
            await asyncio.to_thread(server.kill)
        lab.drill_file.unlink(missing_ok=True)
        held.unlink(missing_ok=True)
        await asyncio.sleep(scale.down_s)
        if had:
            await asyncio.to_thread(server.start)
        return had

    async def damage(fleet: Fleet) -> dict[str, int]:
        hits = {"SIGKILL, batch on disk, unanswered": 0, "SIGKILL, batch not committed": 0}
        in_batches = 0
        for _ in range(scale.kills):
            for stage, hit in (("after", "SIGKILL, batch on disk, unanswered"),
                               ("before", "SIGKILL, batch not committed")):  # fmt: skip
                await asyncio.sleep(scale.seconds / (2 * scale.kills + 1))
                had = await kill_in_a_commit(stage)
                hits[hit] += 1 if had else 0
                in_batches += had
        await asyncio.sleep(scale.seconds / (2 * scale.kills + 1))
        return {**hits, "requests in the killed batches": in_batches}

    return await _scenario(
        "batch killed",
        scale,
        lab,
        server=server,
        operator=operator,
        terminal_urls=[server.url],
        damage=damage,
    )


async def proxy_faults(scale: Scale, lab: Lab) -> Tally:
    operator = await asyncio.to_thread(lab.start_sqlite)
    server = lab.sqlite
    proxy = await FaultProxy("127.0.0.1", server.port).start()

    async def damage(fleet: Fleet) -> dict[str, int]:
        proxy.plan = shuffled_plan(scale.seed)
        await asyncio.sleep(scale.seconds)
        proxy.plan = passing  # the network heals before the tills settle
        return {str(fault): n for fault, n in sorted(proxy.hits.items())}

    try:
        return await _scenario(
            "proxy",
            scale,
            lab,
            server=server,
            operator=operator,
            terminal_urls=[proxy.url],
            damage=damage,
        )
    finally:
        await proxy.close()


async def clock_moved(scale: Scale, lab: Lab) -> Tally:
    operator = await asyncio.to_thread(lab.start_sqlite)
    server = lab.sqlite

    async def damage(fleet: Fleet) -> dict[str, int]:
        await asyncio.sleep(scale.seconds / 2)
        fleet.hold()
        await _until(lambda: fleet.held == len(fleet.tills), within=30)
        held = fleet.held
        lab.move_clock(CLOCK_JUMP_S)
        ids = [t.terminal.credentials.terminal_id for t in fleet.tills]
        await _until(lambda: not _waiting_for_pin(server, ids), within=15)  # the sweeper's work
        fleet.release()
        await asyncio.sleep(scale.seconds / 2)
        return {"held mid-payment": held, "clock moved (s)": CLOCK_JUMP_S}

    return await _scenario(
        "clock moved",
        scale,
        lab,
        server=server,
        operator=operator,
        terminal_urls=[server.url],
        damage=damage,
    )


async def postgres_restarted(scale: Scale, lab: Lab) -> Tally:
    operator = await asyncio.to_thread(lab.start_postgres)
    postgres = lab.postgres
    assert postgres is not None

    async def damage(fleet: Fleet) -> dict[str, int]:
        crash = functools.partial(postgres.stop_server, "immediate")
        in_flight = await _crash_and_restart(fleet, scale, crash, postgres.start_server)
        return {"restarts": scale.kills, "paying at the crash": in_flight}

    return await _scenario(
        "PostgreSQL restarted",
        scale,
        lab,
        server=lab.pg_servers[0],
        operator=operator,
        terminal_urls=[s.url for s in lab.pg_servers],
        damage=damage,
    )


SCENARIOS: dict[str, Callable[[Scale, Lab], Awaitable[Tally]]] = {
    "kill": backend_killed,
    "batch": batch_killed,
    "proxy": proxy_faults,
    "clock": clock_moved,  # the SQLite backend's clock stays moved (runs on at the new time)
    "postgres": postgres_restarted,
}


async def run_all(scale: Scale, lab: Lab, only: list[str] | None = None) -> list[Tally]:
    return [await SCENARIOS[name](scale, lab) for name in (only or list(SCENARIOS))]


async def _until(condition: Callable[[], bool], within: float) -> None:
    """Poll ``condition`` (a count in the fleet, a row in the database) until true or timed out."""
    deadline = asyncio.get_running_loop().time() + within
    while asyncio.get_running_loop().time() < deadline:
        if condition():
            return
        await asyncio.sleep(0.1)


def _database_url(server: BackendServer) -> str:
    return server.database_url or f"sqlite:///{server.data_dir / 'scanpay.db'}"


def _waiting_for_pin(server: BackendServer, terminal_ids: list[str]) -> int:
    engine = create_engine(_database_url(server))
    try:
        with engine.connect() as conn:
            where, params = terminals_in(terminal_ids)
            found = conn.execute(
                text(f"SELECT count(*) FROM trades WHERE state = 'PIN_REQUIRED' AND {where}"),
                params,
            ).scalar()
            return int(found or 0)
    finally:
        engine.dispose()
