"""Bulkheads: a bounded pool of worker threads per downstream, with a bounded, timed queue.

Seed 001's resource isolation. Terminal requests (whose work is the database,
and through it the channels) run in their own pool of ``size`` threads, apart
from the server's default pool that the member, operator and wallet pages
use; the health endpoints use no thread at all. At most ``queue`` requests
wait for a slot, each for at most ``wait_s``; past either bound the request
is refused at once with :class:`BulkheadFull` (``SERVICE_BUSY``: nothing was
done, try again), never left hanging. The external channels have their own
bulkheads per channel (:mod:`backend_stub.routing.channels.pool`).

Once a request holds a slot it runs to the end: a pay that committed is
always answered with its result. The threads are a plain executor of
``size`` threads, each call in a copy of its caller's context (anyio's
limited ``to_thread`` took about a tenth of a pay's time: py-spy,
2026-12-04), and a free slot is taken without arming a timer.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from backend_stub.errors import ApiError
from protocol.errors import ErrorCode

__all__ = ["Bulkhead", "BulkheadFull"]

T = TypeVar("T")


class BulkheadFull(ApiError):
    def __init__(self, name: str) -> None:
        super().__init__(ErrorCode.SERVICE_BUSY, f"{name} pool full")
        self.retry_after_s = 1


class Bulkhead:
    def __init__(self, name: str, size: int, queue: int, wait_s: float) -> None:
        self.name = name
        self.size = size
        self.queue = queue
        self.wait_s = wait_s
        self.in_use = 0
        self.waiting = 0
        self.rejected = 0
        self._slots: asyncio.Semaphore | None = None
        self._threads = ThreadPoolExecutor(size, thread_name_prefix=name.replace(" ", "-"))

    async def run(self, func: Callable[..., T], *args: object) -> T:
        """``func(*args)`` in one of this pool's threads, or :class:`BulkheadFull` at once."""
        if self._slots is None:
            self._slots = asyncio.Semaphore(self.size)
        if self.in_use >= self.size and self.waiting >= self.queue:
            self.rejected += 1
            raise BulkheadFull(self.name)
        if self._slots.locked():  # wait, for a while: the timer costs, so only when waiting
            self.waiting += 1
            try:
                async with asyncio.timeout(self.wait_s):
                    await self._slots.acquire()
            except TimeoutError:
                self.rejected += 1
                raise BulkheadFull(self.name) from None
            finally:
                self.waiting -= 1
        else:
            await self._slots.acquire()  # a free slot: taken at once
        self.in_use += 1
        try:
            work = functools.partial(contextvars.copy_context().run, func, *args)
            return await asyncio.get_running_loop().run_in_executor(self._threads, work)
        finally:
            self.in_use -= 1
            self._slots.release()

    def close(self) -> None:
        """Let the idle threads go (at the server's shutdown; work under way finishes)."""
        self._threads.shutdown(wait=False)
