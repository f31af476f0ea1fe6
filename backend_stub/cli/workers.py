"""``serve --workers N``: N server processes on one port, and a parent that keeps them running.

Python runs one request's code at a time per process; more cores need more
processes. The parent:

- checks that nothing listens on the port yet, then binds N listening
  sockets to it with ``SO_REUSEPORT``, one per worker, so the kernel spreads
  new connections evenly (with one shared socket, whichever worker wakes
  first takes a whole burst of connections, and keeps them: keep-alive);
- starts each worker as ``serve`` again with ``--workers 1``, handing it its
  socket (``--listen-fd``) and the background jobs' lock file
  (``--jobs-lock``, see :mod:`backend_stub.jobs.leader`: the jobs run in one
  worker at a time);
- starts a worker that exits again on the same socket (connections wait in
  its queue meanwhile), at most once a second;
- on SIGTERM or SIGINT stops every worker gracefully (SIGTERM, then SIGKILL
  after ``STOP_S``) and exits.

Each worker asks the kernel to kill it if the parent dies
(``PR_SET_PDEATHSIG``), so a parent killed with SIGKILL takes its workers
with it, as a crash of the machine would, and leaves no orphan on the port.
The workers share the database: SQLite's file (its writer lock is SQLite's
own) or PostgreSQL.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path

__all__ = ["die_with_parent", "listening_socket", "run_workers"]

log = logging.getLogger("scanpay.workers")
STOP_S = 15.0
_PR_SET_PDEATHSIG = 1


def _bind(host: str, port: int, reuse_port: bool) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if reuse_port:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    return sock


def _sockets(host: str, port: int, count: int) -> list[socket.socket]:
    """``count`` listening sockets sharing ``port``, or OSError if something listens there."""
    if port:
        _bind(host, port, reuse_port=False).close()  # EADDRINUSE if any process listens on it
    made: list[socket.socket] = []
    for _ in range(count):
        sock = _bind(host, port, reuse_port=True)
        port = sock.getsockname()[1]  # port 0: the one the first socket was given
        sock.listen(2048)
        sock.set_inheritable(True)
        made.append(sock)
    return made


def listening_socket(fd: int) -> socket.socket:
    """A worker's socket, from the descriptor its parent handed it."""
    return socket.socket(fileno=fd)


def die_with_parent(parent_pid: int) -> None:
    """Linux: the kernel kills this process when its parent dies; exit now if it already has."""
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent_pid:
        os._exit(1)


def run_workers(argv: Sequence[str], host: str, port: int, workers: int) -> int:
    """Start ``workers`` copies of ``serve`` (``argv`` is this one's) and keep them running."""
    try:
        sockets = _sockets(host, port, workers)
    except OSError as exc:
        print(f"scanpay-backend: cannot listen on {host}:{port}: {exc.strerror}", file=sys.stderr)
        return 2
    state = Path(tempfile.mkdtemp(prefix="scanpay-serve-"))
    lock = state / "jobs.lock"
    lock.touch()
    stopping = threading.Event()

    def spawn(sock: socket.socket) -> subprocess.Popen[bytes]:
        command = [
            *(sys.executable, "-m", "backend_stub", *argv),
            *("--workers", "1", "--listen-fd", str(sock.fileno())),
            *("--jobs-lock", str(lock), "--parent-pid", str(os.getpid())),
        ]
        return subprocess.Popen(command, pass_fds=[sock.fileno()])  # noqa: S603 - ourselves

    def on_signal(signum: int, _frame: object) -> None:
        stopping.set()

    previous = {s: signal.signal(s, on_signal) for s in (signal.SIGTERM, signal.SIGINT)}
    processes = [spawn(sock) for sock in sockets]
    started = [time.monotonic()] * workers
    try:
        while not stopping.wait(0.2):
            for n, process in enumerate(processes):
                if process.poll() is None or time.monotonic() - started[n] < 1.0:
                    continue
                log.warning(
                    "worker %d (pid %d) exited with status %s; starting it again",
                    n,
                    process.pid,
                    process.returncode,
                )
                processes[n], started[n] = spawn(sockets[n]), time.monotonic()
    finally:
        _stop(processes)
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        for sock in sockets:
            sock.close()
        shutil.rmtree(state, ignore_errors=True)
    return 0


def _stop(processes: list[subprocess.Popen[bytes]]) -> None:
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + STOP_S
    for process in processes:
        try:
            process.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
