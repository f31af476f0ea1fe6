"""``serve --workers 2``: two processes on one port, one database, background jobs run once.

Which worker runs the jobs is read from the kernel's table of file locks
(``/proc/locks``): the holder of the jobs lock.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from protocol.errors import ErrorCode
from tests.conftest import TEST_SETTINGS, LiveBackend
from tests.harness import BackendServer, Operator, SignedClient, seed_and_token, unique


def workers_of(parent: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == parent:
            found.append(int(stat.parent.name))
    return sorted(found)


def jobs_lock_of(pid: int) -> Path:
    command = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    return Path(command[command.index(b"--jobs-lock") + 1].decode())


def lock_holders(path: Path) -> set[int]:
    inode = path.stat().st_ino
    holders = set()
    for line in Path("/proc/locks").read_text().splitlines():
        fields = line.split()
        if "FLOCK" in fields and int(fields[-3].rsplit(":", 1)[1]) == inode:
            holders.add(int(fields[-4]))
    return holders


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")  # a zombie is dead, waiting to be reaped


def until(condition: Callable[[], object], within: float = 15.0) -> None:
    deadline = time.monotonic() + within
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


@pytest.fixture(scope="module")
def two_workers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveBackend]:
    settings = {**TEST_SETTINGS, "pin_deadline_s": 1, "sweep_interval_s": 0.1}
    data = tmp_path_factory.mktemp("two-workers")
    server = BackendServer(data, None, settings, flags=["--workers", "2"])
    seeded, token = seed_and_token(server)
    server.start()
    live = LiveBackend("sqlite", server, Operator(server.url, token), seeded)
    try:
        until(lambda: len(workers_of(server.process.pid)) == 2)  # type: ignore[union-attr]
        yield live
    finally:
        live.close()


def test_two_workers_make_one_payment_of_fifty_racing_for_one_code(two_workers: LiveBackend):
    terminal = two_workers.terminal()
    member = two_workers.member(points=100_000, pin=None)
    code = member.code()
    with ThreadPoolExecutor(max_workers=50) as pool:  # 50 connections: both workers get some
        clients = [
            SignedClient(two_workers.url, terminal.terminal_id, terminal.secret) for _ in range(50)
        ]
        trades = list(pool.map(lambda c: c.pay(code, 100), clients))
    for client in clients:
        client.close()
    states = [t["state"] for t in trades]
    assert states.count("SUCCESS") == 1
    assert {t["reason"] for t in trades if t["state"] != "SUCCESS"} == {ErrorCode.CODE_USED}
    assert member.account()["balance_points"] == 100_000 - 100
    assert two_workers.operator.verify()["ok"]


def test_the_jobs_run_in_one_worker_and_another_takes_over_when_it_dies(
    two_workers: LiveBackend,
):
    parent = two_workers.server.process
    assert parent is not None
    workers = workers_of(parent.pid)
    lock = jobs_lock_of(workers[0])
    until(lambda: len(lock_holders(lock)) == 1)
    (leader,) = lock_holders(lock)
    assert leader in workers

    os.kill(leader, signal.SIGKILL)
    until(lambda: lock_holders(lock) and leader not in lock_holders(lock))
    (successor,) = lock_holders(lock)
    assert successor in workers  # the survivor took over...
    # ...and the parent reaped the dead one (until then it is listed, a zombie) and started another
    until(lambda: leader not in workers_of(parent.pid) and len(workers_of(parent.pid)) == 2)
    time.sleep(1.5)  # the new worker tries for the lock, in vain
    assert lock_holders(lock) == {successor}

    # and the jobs do run: the sweeper closes a trade left waiting for its PIN past the deadline
    terminal = two_workers.terminal()
    member = two_workers.member(points=10_000_000, pin="424242")
    number = unique()
    assert terminal.pay(member.code(), 30_000, number)["state"] == "PIN_REQUIRED"
    until(lambda: terminal.ok("query", out_trade_no=number)["state"] == "CLOSED")


def test_a_killed_parent_takes_its_workers_with_it(two_workers: LiveBackend):
    server = two_workers.server
    assert server.process is not None
    workers = workers_of(server.process.pid)
    server.kill()
    until(lambda: not any(alive(pid) for pid in workers))
    server.start()  # the port is free again at once
    assert httpx.get(server.url + "/readyz", timeout=5).status_code == 200


def test_a_second_serve_on_a_port_in_use_is_refused(two_workers: LiveBackend, tmp_path: Path):
    other = BackendServer(tmp_path / "other")
    other.run_cli("seed-demo")
    port = str(two_workers.server.port)
    refused = other.run_cli("serve", "--port", port, "--workers", "2", check=False)
    assert refused.returncode == 2
    assert f"cannot listen on 127.0.0.1:{port}" in refused.stderr
