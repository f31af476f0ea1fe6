"""Group commit on SQLite: many requests' write transactions, one commit and one fsync.

A commit with ``synchronous=FULL`` waits for the disk, and SQLite has one
writer: one transaction per request makes the disk the ceiling. Here a
request's transaction is a *unit* (a function of the connection) handed to
:meth:`GroupCommit.run`:

- Units queue. When no batch is being made, the first unit's own thread
  becomes the *leader*: it takes the writer lock, ``BEGIN IMMEDIATE``, runs
  the queued units one after the other, each in its own savepoint, and keeps
  taking units that arrive meanwhile until the batch has ``max_units`` or has
  held the writer ``max_s``; then one ``COMMIT`` for all of them, and one
  fsync once the writer is let go (:mod:`.wal_sync`). Units that arrive
  meanwhile wait for the next batch, led by the first of them, which starts
  as soon as the writer is free (while this batch's fsync runs).
  Nobody waits for company: a unit alone is a batch of one, at once.
- A unit that raises is rolled back to its savepoint; the others go on. Its
  caller gets the exception, as from a transaction of its own. One that
  raises :class:`Instead` is rolled back to it too, and runs the work it
  names in its place.
- No caller gets its result before the commit is durable. If the commit
  or its fsync fails, every unit of the batch gets :class:`CommitFailed`
  (the terminal is told to query: what happened is not known). If SQLite
  ended the transaction by itself (a full disk, an I/O error), so do all of
  the batch's units but the one that met the error (which gets its own).

Units run in the leader's thread, in order, under the writer lock that
:meth:`~.db.Database.write` takes too, each in a copy of its caller's context
variables, on one connection that the leaders keep from batch to batch:
SQLite empties a connection's page cache when another connection has
written since its last transaction, so a writer that took the pool's next
connection each time read its pages again (measured 2026-12-04: a pay's
statements took 280 µs of CPU on the kept connection against 393 µs).
After a failed batch the connection is closed (it commits without waiting
for the disk: no other transaction may have it) and the next batch opens
another. A unit must not open another write transaction
itself (nor could it before: the writer lock is not re-entrant).

:class:`CommitDrill` holds a batch open or committed-but-unanswered at the
request of a file, so a test can SIGKILL the server at that moment.
"""

from __future__ import annotations

import contextvars
import logging
import os
import threading
import time
from collections import deque
from collections.abc import Callable
from contextlib import AbstractContextManager, ExitStack
from pathlib import Path
from typing import Any, Generic, TypeVar

from sqlalchemy.engine import Connection, Engine

from .wal_sync import WalSync

__all__ = ["CommitDrill", "CommitFailed", "GroupCommit", "Instead"]

T = TypeVar("T")
log = logging.getLogger("scanpay.db")


class CommitFailed(Exception):
    """The batch this transaction was in did not commit, or may not have: ask again later."""


class Instead(Exception):
    """Raised by a transaction's work: undo what it wrote, and run ``work(conn)`` in its place.

    The gateway's, when an action refuses a request: the action's writes go,
    the request's rate count and nonce are written again and stay. It
    replaces a savepoint around every action, which cost two statements on
    every request (two round trips on PostgreSQL); this costs the count and
    the nonce once more, on a refusal only. In a batch the unit goes back to
    its savepoint (the writer still held: nothing else changed meanwhile);
    elsewhere (:meth:`~.db.Database.transaction`) the transaction is rolled
    back and ``work`` runs in a new one (if a replay got in between, its
    nonce is recorded first and the refused request is told
    ``REPLAYED_REQUEST``: still one action per nonce).
    """

    def __init__(self, work: Callable[[Connection], Any]) -> None:
        super().__init__("run in place of the transaction's work")
        self.work = work


class _Unit(Generic[T]):
    __slots__ = ("context", "error", "lead", "result", "wake", "work")

    def __init__(self, work: Callable[[Connection], T]) -> None:
        self.work = work
        self.context = contextvars.copy_context()
        self.wake = threading.Lock()  # held until the unit is woken (cheaper than an Event)
        self.wake.acquire()
        self.lead = False  # woken to lead the next batch, not with an outcome
        self.result: T | None = None
        self.error: BaseException | None = None

    def outcome(self) -> T:
        if self.error is not None:
            raise self.error
        return self.result  # type: ignore[return-value]


class GroupCommit:
    """Write transactions that share one commit (see the module's docstring).

    ``writer()``: holds the lock every writer of this process takes (or raises,
    nothing done); ``max_units``, ``max_s``: the caps of a batch; ``wal``: the
    fsync after the writer is let go (without it, ``COMMIT`` waits for the disk).
    """

    def __init__(
        self,
        engine: Engine,
        writer: Callable[[], AbstractContextManager[None]],
        *,
        max_units: int,
        max_s: float,
        wal: WalSync | None = None,
        drill: CommitDrill | None = None,
    ) -> None:
        self._engine = engine
        self._writer = writer
        self._max_units = max_units
        self._max_s = max_s
        self._wal = wal
        self._drill = drill
        self._mutex = threading.Lock()  # guards _queue, _leading and the counts; held for µs
        self._queue: deque[_Unit[Any]] = deque()
        self._leading = False  # a leader is at work; it wakes the next one when it lets go
        self._conn: Connection | None = None  # the leaders' connection (one leader at a time)
        self.batches = 0
        self.units = 0

    def run(self, work: Callable[[Connection], T]) -> T:
        """``work(conn)`` in a shared transaction; its result once the batch is on disk."""
        unit = _Unit(work)
        with self._mutex:
            self._queue.append(unit)
            lead = not self._leading
            self._leading = True
        if not lead:
            unit.wake.acquire()
        if lead or unit.lead:
            self._lead(unit)
        return unit.outcome()

    def _take(self, batch: list[_Unit[Any]], since: float | None = None) -> list[Any]:
        """Units from the queue that still fit in the batch: by count, and by time ``since``."""
        room = self._max_units - len(batch)
        if room <= 0 or (since is not None and time.perf_counter() - since >= self._max_s):
            return []
        with self._mutex:
            return [self._queue.popleft() for _ in range(min(room, len(self._queue)))]

    def _lead(self, own: _Unit[Any]) -> None:
        """Make one batch of the queue's head (this thread's ``own`` unit first), then hand over.

        The next leader starts once the writer is let go, while this batch's
        fsync runs (:mod:`.wal_sync`); this batch's units are answered after it.
        """
        batch: list[_Unit[Any]] = []
        durable = False
        try:
            try:
                number = self._make_batch(batch)
            finally:
                self._hand_over()
            durable = number is not None and (self._wal is None or self._wal.sync(number))
        except BaseException as exc:  # a bug here: nobody may take a result not on disk
            log.error("a batch of %d failed: %s", len(batch), type(exc).__name__, exc_info=exc)
        finally:
            if durable:
                with self._mutex:  # the next leader may be counting too
                    self.batches += 1
                    self.units += len(batch)
                if self._drill is not None:
                    self._drill.after_commit(len(batch))
            else:
                _fail(batch, CommitFailed("the batch failed"))
            for unit in batch:
                if unit is not own:  # each waiting unit is woken once, the leader's never
                    unit.wake.release()

    def _hand_over(self) -> None:
        """Wake the next leader, the first unit queued meanwhile (if any)."""
        with self._mutex:
            if self._queue:
                successor = self._queue[0]
                successor.lead = True
                successor.wake.release()
            else:
                self._leading = False

    def _make_batch(self, batch: list[_Unit[Any]]) -> int | None:
        """Run and commit ``batch`` under the writer; its number (0 without a
        :class:`~.wal_sync.WalSync`), or None if it failed: then every unit has an error."""
        batch += self._take(batch)
        with ExitStack() as stack:
            try:
                stack.enter_context(self._writer())
            except Exception as exc:  # no lock in time: nothing was done
                _fail(batch, exc)
                return None
            number = None
            try:
                number = self._run_and_commit(batch)
            finally:
                if number is None:  # failed, or a bug: the connection's state is not known
                    self.release_connection()  # (before the lock is let go)
        return number

    def _run_and_commit(self, batch: list[_Unit[Any]]) -> int | None:
        """BEGIN, the units and COMMIT on the kept connection: see :meth:`_make_batch`."""
        try:
            if self._conn is None:
                self._conn = self._engine.connect()
                if self._wal is not None:  # COMMIT writes the WAL; WalSync.sync makes it durable
                    driver = self._conn.connection.driver_connection
                    assert driver is not None
                    driver.execute("PRAGMA synchronous=NORMAL")
            conn = self._conn
            conn.begin()
        except Exception as exc:  # no connection or BEGIN in time: nothing was done
            _fail(batch, exc)
            return None
        if not self._run_units(conn, batch):
            return None
        try:
            number = 0 if self._wal is None else self._wal.written()
            conn.commit()
        except Exception as exc:
            log.error("a batch of %d failed to commit: %s", len(batch), type(exc).__name__)
            _fail(batch, CommitFailed("the commit failed"))
            return None
        return number

    def release_connection(self) -> None:
        """The kept connection back to the pool, out of any transaction (or discarded):
        after a failed batch, and when the database is closed."""
        conn, self._conn = self._conn, None
        if conn is None:
            return
        _end(conn)
        try:
            conn.invalidate()  # not back to the pool: its commits do not wait for the disk
            conn.close()
        except Exception as exc:  # a connection that cannot even close: the pool drops it
            log.debug("a connection failed to close: %s", type(exc).__name__)

    def _run_units(self, conn: Connection, batch: list[_Unit[Any]]) -> bool:
        """Each unit in its savepoint, taking arrivals while they fit. False: the batch is lost.

        ``max_s`` runs from here, once the writer is held, not from before: a
        leader that waited for another process's batch (``serve --workers``)
        takes in what queued meanwhile instead of leaving it for one more
        commit (measured 2026-12-04, two workers at 32 terminals: 986 -> 1,245
        pays/s).
        """
        started = time.perf_counter()
        driver = conn.connection.driver_connection
        assert driver is not None
        drill = self._drill
        if drill is not None:
            drill.arm()
        done = 0
        while done < len(batch):
            unit = batch[done]
            done += 1
            driver.execute("SAVEPOINT scanpay_unit")
            try:
                try:
                    unit.result = unit.context.run(unit.work, conn)
                except Instead as instead:
                    driver.execute("ROLLBACK TO scanpay_unit")
                    unit.result = unit.context.run(instead.work, conn)
            except BaseException as exc:
                unit.error = exc
                if not _undo(driver):  # SQLite ended the whole transaction by itself
                    _fail(batch, CommitFailed("the batch was rolled back"))
                    return False
            else:
                driver.execute("RELEASE scanpay_unit")
            while done == len(batch):
                waiting = drill is not None and drill.wants_more(len(batch))
                batch += self._take(batch, None if waiting else started)
                if done < len(batch) or not waiting:
                    break
                time.sleep(0.005)  # the drill waits for company
        if drill is not None:
            drill.before_commit(len(batch))
        return True


def _undo(driver: Any) -> bool:
    """Roll the unit back to its savepoint; False if the transaction itself is gone."""
    if not driver.in_transaction:
        return False
    try:
        driver.execute("ROLLBACK TO scanpay_unit")
        driver.execute("RELEASE scanpay_unit")
    except Exception:
        return False
    return True


def _end(conn: Connection) -> None:
    """After a failed batch: make sure the connection goes back to the pool out of it."""
    try:
        driver = conn.connection.driver_connection
        if driver is not None and driver.in_transaction:  # a failed COMMIT may leave it open
            driver.execute("ROLLBACK")
    except Exception:
        conn.invalidate()  # the pool will not hand it out again


def _fail(units: list[_Unit[Any]], error: BaseException) -> None:
    """Every unit not already failed gets ``error``, whatever result it had."""
    for unit in units:
        if unit.error is None:
            unit.error = error


class CommitDrill:
    """Tests and drills only: hold a batch at its commit, as a file says, so it can be killed.

    The file holds ``before N`` or ``after N``: the next batch waits until it
    has N units (taking arrivals), then ``before``: holds before its COMMIT;
    ``after``: commits, then holds before any of its units is answered. While
    it holds, ``<file>.held`` says ``<pid> <units>``; it holds until the file
    is gone. Read at every batch, only when the server is started with it.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._stage = ""
        self._wanted = 0

    def arm(self) -> None:
        """Read the file at a batch's start."""
        try:
            stage, units = self.path.read_text().split()
            self._stage, self._wanted = stage, int(units)
        except (OSError, ValueError):
            self._stage, self._wanted = "", 0

    def wants_more(self, units: int) -> bool:
        return units < self._wanted and self.path.exists()

    def _hold(self, units: int) -> None:
        held = self.path.with_name(self.path.name + ".held")
        part = held.with_name(held.name + ".part")  # whole or not there: a test reads it meanwhile
        part.write_text(f"{os.getpid()} {units}\n")
        part.replace(held)
        while self.path.exists():
            time.sleep(0.01)

    def before_commit(self, units: int) -> None:
        if self._stage == "before":
            self._hold(units)

    def after_commit(self, units: int) -> None:
        if self._stage == "after":
            self._hold(units)
