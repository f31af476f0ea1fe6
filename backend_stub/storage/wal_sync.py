"""SQLite group commit: a batch's fsync after the writer is let go, and readers that wait for it.

With ``synchronous=FULL`` SQLite makes the WAL durable inside ``COMMIT``,
while the writer lock is held: every other writer (in two workers, the other
process's whole batch) waited for the disk too. So the batches' connection
commits with ``synchronous=NORMAL`` (``COMMIT`` writes the WAL without waiting
for the disk), the writer is let go, and then the WAL is fsync'd here, before
any request of the batch is answered. A request's answer still never leaves
before its commit is durable; the next batch runs while the disk works
(measured 2026-12-05, two workers at 32 terminals, servers taking turns:
1,752 -> 2,007 pays/s).

What a committed batch wrote is visible to others before its fsync returns.
A later batch that reads it is answered after its own fsync, which covers
it (the WAL is one file, written in order). A read transaction
(:meth:`~.db.Database.read`, and :meth:`~.db.Database.write` whose commit may
not have synced anything) is made durable here before its caller answers:
the batches' numbers, *written* (taken under the writer, before ``COMMIT``)
and *synced* (after the fsync), are shared by every process on the database
in a small file beside it, and a reader that finds one not yet synced
fsyncs the WAL itself (about 50 us here). ``synced`` may lag behind the truth
(two processes recording at once), never run ahead of it: a lag only costs
a reader one more fsync.

An fsync that fails leaves it unknown what reached the disk, while the
batch is already visible: the process must not answer from it again
(PostgreSQL stops for the same reason). So the process exits at once, with
``EX_IOERR`` (the workers' parent, or systemd, starts it again: a restart
reads the database as it is on disk), unless it is given another
``on_failure``.
"""

from __future__ import annotations

import logging
import os
import struct
from collections.abc import Callable

__all__ = ["WalSync"]

log = logging.getLogger("scanpay.db")
_NUMBER = struct.Struct("<q")
_WRITTEN, _SYNCED = 0, _NUMBER.size  # where each number is in the file (8 bytes each)


class WalSync:
    """The WAL's fsync and the batches' written and synced numbers of one SQLite file."""

    def __init__(self, database: str, on_failure: Callable[[], None] | None = None) -> None:
        self._wal = f"{database}-wal"
        self._fd = os.open(f"{database}-synced", os.O_RDWR | os.O_CREAT, 0o600)
        self._on_failure = on_failure or _exit_now
        self._closed = False

    def _marks(self) -> tuple[int, int]:
        """(written, synced): what the file holds (zeros while it is new)."""
        raw = os.pread(self._fd, 2 * _NUMBER.size, 0).ljust(2 * _NUMBER.size, b"\0")
        return _NUMBER.unpack_from(raw, _WRITTEN)[0], _NUMBER.unpack_from(raw, _SYNCED)[0]

    def written(self) -> int:
        """Under the writer, before ``COMMIT``: the batch's number, recorded as written."""
        number = self._marks()[0] + 1
        os.pwrite(self._fd, _NUMBER.pack(number), _WRITTEN)
        return number

    def sync(self, number: int) -> bool:
        """After ``COMMIT``, the writer let go: fsync the WAL, record ``number`` as synced.

        False if the fsync failed (``on_failure`` has been called).
        """
        if not self._fsync():
            return False
        if self._marks()[1] < number:
            os.pwrite(self._fd, _NUMBER.pack(number), _SYNCED)
        return True

    def make_durable(self) -> None:
        """A reader's, before it answers: what it may have seen is on disk when this returns."""
        written, synced = self._marks()
        if synced < written and not self._fsync():
            raise OSError("the database could not be saved to disk")

    def _fsync(self) -> bool:
        # Opened each time, not kept: a descriptor kept across SQLite removing and making
        # the log again (all its connections closed) would fsync the old file, silently.
        try:
            fd = os.open(self._wal, os.O_RDONLY)
        except FileNotFoundError:  # no log: SQLite synced the database file when it removed it
            return True
        except OSError as exc:
            return self._failed(exc)
        try:
            os.fdatasync(fd)
        except OSError as exc:
            return self._failed(exc)
        finally:
            os.close(fd)
        return True

    def _failed(self, exc: OSError) -> bool:
        log.critical("the database's log could not be saved to disk: %s", exc)
        self._on_failure()
        return False

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            os.close(self._fd)


def _exit_now() -> None:
    log.critical("stopping: what the database shows may not be on disk")
    os._exit(os.EX_IOERR)
