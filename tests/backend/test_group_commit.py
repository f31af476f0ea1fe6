"""Group commit on a real SQLite file: shared commits, and what each caller is told.

Every unit here writes a row; what matters is which rows are on disk after,
read through a new connection, against what each caller was told.
"""

from __future__ import annotations

import contextvars
import errno
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Connection

from backend_stub.storage import wal_sync
from backend_stub.storage.db import Database, DatabaseBusy
from backend_stub.storage.group_commit import CommitFailed, Instead
from backend_stub.storage.wal_sync import WalSync

SCHEMA = (
    "CREATE TABLE parent (id INTEGER PRIMARY KEY)",
    "CREATE TABLE item (id INTEGER PRIMARY KEY, name TEXT UNIQUE NOT NULL,"
    " parent_id INTEGER REFERENCES parent (id) DEFERRABLE INITIALLY DEFERRED)",
)


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    made = Database(f"sqlite:///{tmp_path / 'g.db'}", batch=64, batch_s=5.0)
    with made.write() as conn:
        for statement in SCHEMA:
            conn.exec_driver_sql(statement)
    try:
        yield made
    finally:
        made.dispose()


def on_disk(db: Database) -> set[str]:
    with db.read() as conn:
        return {row[0] for row in conn.execute(text("SELECT name FROM item"))}


def insert(name: str, parent: int | None = None) -> Callable[[Connection], str]:
    def work(conn: Connection) -> str:
        conn.execute(
            text("INSERT INTO item (name, parent_id) VALUES (:n, :p)"), {"n": name, "p": parent}
        )
        return name

    return work


def all_at_once(
    db: Database, works: list[Callable[[Connection], Any]], hold_s: float = 0.0
) -> list[Any]:
    """Each work from its own thread, all queued while the writer lock is held elsewhere
    (then for ``hold_s`` more)."""
    outcomes: list[Any] = [None] * len(works)

    def call(i: int) -> None:
        try:
            outcomes[i] = db.transaction(works[i])
        except Exception as exc:
            outcomes[i] = exc

    with ThreadPoolExecutor(len(works)) as pool, db.write():  # nothing commits meanwhile
        futures = [pool.submit(call, i) for i in range(len(works))]
        assert db.group is not None
        while len(db.group._queue) < len(works) - 1:  # one leads, waiting for the lock
            threading.Event().wait(0.01)
        time.sleep(hold_s)
    for future in futures:
        future.result()
    return outcomes


def test_transactions_queued_during_a_commit_share_the_next_one(db: Database):
    names = [f"n{i}" for i in range(20)]
    assert all_at_once(db, [insert(n) for n in names]) == names
    assert on_disk(db) == set(names)
    assert db.group is not None
    assert db.group.units == 20 and db.group.batches <= 2  # the leader's own, then the rest


def test_a_leader_that_waited_for_the_writer_takes_in_what_queued_meanwhile(tmp_path: Path):
    """The batch's time cap runs from when the writer is held: a leader kept waiting (by
    another process's batch, with ``serve --workers``) still takes the queue with it."""
    db = Database(f"sqlite:///{tmp_path / 'wait.db'}", batch=64, batch_s=0.5)
    try:
        with db.write() as conn:
            conn.exec_driver_sql(SCHEMA[1].replace(" REFERENCES parent (id)", ""))
        names = [f"n{i}" for i in range(8)]
        assert all_at_once(db, [insert(n) for n in names], hold_s=1.0) == names
        assert db.group is not None and (db.group.batches, db.group.units) == (1, 8)
        assert on_disk(db) == set(names)
    finally:
        db.dispose()


def test_a_unit_that_raises_undoes_only_its_own_writes(db: Database):
    def twice(conn: Connection) -> None:
        insert("lost")(conn)
        insert("a")(conn)  # already there: IntegrityError after "lost" was written

    outcomes = all_at_once(db, [insert("a"), twice, insert("b")])
    assert outcomes[0] == "a" and outcomes[2] == "b"
    assert "UNIQUE" in str(outcomes[1])
    assert on_disk(db) == {"a", "b"}


def wrote_then_instead(conn: Connection) -> str:
    insert("lost")(conn)
    raise Instead(insert("kept"))


def test_a_unit_that_raises_instead_has_that_work_run_in_its_place(db: Database):
    outcomes = all_at_once(db, [insert("a"), wrote_then_instead, insert("b")])
    assert outcomes == ["a", "kept", "b"]
    assert on_disk(db) == {"a", "kept", "b"}


def test_a_commit_that_fails_fails_every_unit_of_the_batch_and_keeps_none(db: Database):
    # A deferred foreign key is checked by COMMIT itself: the whole batch's commit fails.
    outcomes = all_at_once(db, [insert("a"), insert("orphan", parent=7), insert("b")])
    assert all(isinstance(o, CommitFailed) for o in outcomes[1:])
    assert on_disk(db) <= {"a"}  # the leader's own unit may have had a batch of its own
    if outcomes[0] != "a":
        assert isinstance(outcomes[0], CommitFailed) and on_disk(db) == set()
    assert db.transaction(insert("next")) == "next" and "next" in on_disk(db)


def test_a_transaction_sqlite_ends_by_itself_fails_the_units_already_run(db: Database):
    def ends_it(conn: Connection) -> None:
        insert("c")(conn)
        driver = conn.connection.driver_connection
        assert driver is not None
        driver.execute("ROLLBACK")  # as SQLite does on a full disk or an I/O error
        raise OSError("disk full")

    outcomes = all_at_once(db, [insert("a"), insert("b"), ends_it, insert("d")])
    assert isinstance(outcomes[2], OSError)
    assert all(isinstance(o, CommitFailed) for o in outcomes[1:2] + outcomes[3:])
    assert on_disk(db) <= {"a"}
    assert db.transaction(insert("next")) == "next" and "next" in on_disk(db)


def test_batches_keep_their_connection_and_a_failed_batch_gives_it_back(db: Database):
    """The leaders' connection stays out of the pool from batch to batch (its page cache
    stays warm); a failed batch gives it back and the next one takes one afresh."""
    pool: Any = db.engine.pool

    def driver_of(conn: Connection) -> object:
        return conn.connection.driver_connection

    first = db.transaction(driver_of)
    assert pool.checkedout() == 1 and db.transaction(driver_of) is first
    assert isinstance(all_at_once(db, [insert("orphan", parent=7)])[0], CommitFailed)
    assert pool.checkedout() == 0
    assert db.transaction(insert("after")) == "after" and on_disk(db) == {"after"}
    assert pool.checkedout() == 1
    db.dispose()
    assert pool.checkedout() == 0


def test_a_batch_takes_no_more_than_its_cap(tmp_path: Path):
    db = Database(f"sqlite:///{tmp_path / 'cap.db'}", batch=4, batch_s=5.0)
    try:
        with db.write() as conn:
            conn.exec_driver_sql(SCHEMA[1].replace(" REFERENCES parent (id)", ""))
        names = [f"n{i}" for i in range(13)]
        assert all_at_once(db, [insert(n) for n in names]) == names
        assert db.group is not None and db.group.batches >= 4  # 13 in batches of 4 at most
        assert on_disk(db) == set(names)
    finally:
        db.dispose()


def test_a_unit_runs_in_its_callers_context(db: Database):
    who: contextvars.ContextVar[str] = contextvars.ContextVar("who", default="nobody")
    outcomes: list[str] = []

    def caller(i: int) -> None:
        who.set(f"caller {i}")
        outcomes.append(db.transaction(lambda conn: who.get()))

    threads = [threading.Thread(target=caller, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == sorted(f"caller {i}" for i in range(8))


def test_without_batching_a_transaction_is_a_plain_write(tmp_path: Path):
    db = Database(f"sqlite:///{tmp_path / 'plain.db'}", batch=1)
    try:
        assert db.group is None
        with db.write() as conn:
            conn.exec_driver_sql(SCHEMA[1].replace(" REFERENCES parent (id)", ""))
        assert db.transaction(insert("x")) == "x"
        with pytest.raises(ValueError):
            db.transaction(lambda conn: (insert("y")(conn), int("not a number")))
        assert db.transaction(wrote_then_instead) == "kept"
        assert on_disk(db) == {"x", "kept"}
    finally:
        db.dispose()


def test_a_batch_is_answered_after_its_fsync_and_the_writer_is_free_meanwhile(
    db: Database, monkeypatch: pytest.MonkeyPatch
):
    """The batch's fsync runs once the writer is let go (another writer goes ahead
    meanwhile); its caller has its answer only once the fsync has returned."""
    syncing, go = threading.Event(), threading.Event()
    real_fdatasync = os.fdatasync

    def slow_disk(fd: int) -> None:  # a slow disk cannot be had here: the first fsync waits
        if not syncing.is_set():
            syncing.set()
            assert go.wait(10)
        real_fdatasync(fd)

    monkeypatch.setattr(os, "fdatasync", slow_disk)
    with ThreadPoolExecutor(2) as pool:
        first = pool.submit(db.transaction, insert("a"))
        assert syncing.wait(10)
        second = pool.submit(db.transaction, insert("b"))
        assert second.result(10) == "b"  # a batch of its own, on disk before "a"'s
        assert not first.done()
        go.set()
        assert first.result(10) == "a"
    assert on_disk(db) == {"a", "b"}


def test_a_fsync_that_fails_fails_its_batch_and_stops_the_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    stops: list[str] = []
    monkeypatch.setattr(wal_sync, "_exit_now", lambda: stops.append("stop"))
    db = Database(f"sqlite:///{tmp_path / 'eio.db'}", batch=64)
    try:
        with db.write() as conn:
            conn.exec_driver_sql(SCHEMA[1].replace(" REFERENCES parent (id)", ""))

        def broken_disk(fd: int) -> None:
            raise OSError(errno.EIO, "Input/output error")

        monkeypatch.setattr(os, "fdatasync", broken_disk)
        with pytest.raises(CommitFailed):
            db.transaction(insert("a"))
        assert stops == ["stop"]  # what SQLite shows may not be on disk: nobody may read it
        with pytest.raises(OSError), db.read():
            pass
        assert stops == ["stop", "stop"]
    finally:
        db.dispose()


def test_a_reader_syncs_the_log_while_a_batch_is_written_and_not_yet_synced(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """Two processes' views of one database: what a reader may have seen of the other's
    batch is on disk before it answers; once the batch is synced, reads cost no fsync."""
    synced: list[int] = []
    real_fdatasync = os.fdatasync

    def counted(fd: int) -> None:
        synced.append(fd)
        real_fdatasync(fd)

    monkeypatch.setattr(os, "fdatasync", counted)
    database = str(tmp_path / "r.db")
    Path(f"{database}-wal").write_bytes(b"")
    leader, reader = WalSync(database), WalSync(database)
    try:
        reader.make_durable()
        assert synced == []
        number = leader.written()
        reader.make_durable()
        assert len(synced) == 1
        assert leader.sync(number) and len(synced) == 2
        reader.make_durable()
        assert len(synced) == 2
    finally:
        leader.close()
        reader.close()


HOLD_THE_WRITER_FILE = """
import fcntl, os, sys
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o600)
fcntl.flock(fd, fcntl.LOCK_EX)
print("held", flush=True)
sys.stdin.read()  # until the test closes our stdin
"""


def test_a_writer_of_another_process_is_waited_for_until_the_deadline_then_busy(tmp_path):
    path = tmp_path / "w.db"
    db = Database(f"sqlite:///{path}", busy_timeout_ms=300)
    with db.write() as conn:
        conn.exec_driver_sql("CREATE TABLE t (id INTEGER PRIMARY KEY)")

    def other_process() -> subprocess.Popen[str]:
        holder = subprocess.Popen(
            [sys.executable, "-c", HOLD_THE_WRITER_FILE, f"{path}-writer"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        return holder

    try:
        holder = other_process()
        started = time.monotonic()
        with pytest.raises(DatabaseBusy), db.write() as conn:
            conn.exec_driver_sql("INSERT INTO t VALUES (1)")
        assert 0.25 < time.monotonic() - started < 2  # waited until the deadline, no longer
        holder.communicate("")  # the other process lets go...

        # ...and the waiter given up on lets go too: another process can take the lock
        holder = other_process()

        def let_go_soon() -> None:
            time.sleep(0.2)
            holder.communicate("")

        waited = threading.Thread(target=let_go_soon)
        waited.start()
        with db.write() as conn:  # waits in the kernel, and has it the moment it is let go
            conn.exec_driver_sql("INSERT INTO t VALUES (2)")
        waited.join()
        with db.read() as conn:
            assert conn.exec_driver_sql("SELECT id FROM t").scalars().all() == [2]
    finally:
        db.dispose()
