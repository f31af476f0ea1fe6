"""The background jobs of one ``serve``, run once however many worker processes it has.

The jobs: the sweeper (:mod:`.sweeper`), the channel monitor
(:mod:`backend_stub.routing.monitor`) and SQLite's checkpointer. A ``serve``
of one process runs them itself. The workers of ``serve --workers N`` share
a lock file: the worker that holds an exclusive ``flock`` on it runs them,
the others try for it every ``retry_s``. The kernel lets go of a dead
process's lock however it died (SIGKILL too), so another worker takes over
within ``retry_s``. (Separate ``serve`` instances on one database each run
their own jobs, as before: the jobs are safe side by side, this only saves
doing the work twice.)
"""

from __future__ import annotations

import fcntl
import logging
import threading
from pathlib import Path
from typing import IO, Protocol

from backend_stub.context import Backend
from backend_stub.routing.monitor import ChannelMonitor

from .sweeper import Sweeper

__all__ = ["BackgroundJobs"]

log = logging.getLogger("scanpay.jobs")


class _Job(Protocol):
    def start(self) -> None: ...
    def stop(self, timeout: float = 5.0) -> None: ...


class BackgroundJobs:
    """``start()`` runs the jobs now (no ``lock``) or once the lock is had; ``stop()`` ends them."""

    def __init__(
        self, backend: Backend, *, sweeper: bool = True, lock: Path | None, retry_s: float = 1.0
    ) -> None:
        self.backend = backend
        self.sweeper = sweeper
        self.lock = lock
        self.retry_s = retry_s
        self._jobs: list[_Job] = []
        self._lock_file: IO[bytes] | None = None
        self._stop_event = threading.Event()
        self._waiter: threading.Thread | None = None

    def start(self) -> None:
        if self.lock is None:
            self._run_jobs()
            return
        self._waiter = threading.Thread(target=self._wait_for_lock, name="scanpay-jobs-leader")
        self._waiter.daemon = True
        self._waiter.start()

    def _wait_for_lock(self) -> None:
        assert self.lock is not None
        lock_file = self.lock.open("ab")
        while not self._stop_event.is_set():
            try:
                fcntl.flock(lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                self._stop_event.wait(self.retry_s)
                continue
            self._lock_file = lock_file
            log.info("this worker runs the background jobs")
            self._run_jobs()
            return
        lock_file.close()

    def _run_jobs(self) -> None:
        self.backend.db.start_checkpointer()
        if self.sweeper:
            self._jobs = [Sweeper(self.backend), ChannelMonitor(self.backend)]
        for job in self._jobs:
            job.start()

    def stop(self) -> None:
        self._stop_event.set()
        if self._waiter is not None:
            self._waiter.join(5)
        for job in self._jobs:
            job.stop()
        self.backend.db.stop_checkpointer()
        if self._lock_file is not None:
            self._lock_file.close()  # lets the lock go: another worker may take over
