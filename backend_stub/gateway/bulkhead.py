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
always answered with its result. A free slot is taken without arming a
timer, and the threads are the lightest hand-over there is (:class:`_Threads`):
anyio's limited ``to_thread`` took about a tenth of a pay's time, and
``run_in_executor`` still about a tenth of the time the GIL was held
(py-spy, 2026-12-04).
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import queue
import threading
from collections.abc import Callable
from typing import Any, TypeVar

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
        self._threads = _Threads(size, name.replace(" ", "-"))

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
            return await self._threads.call(func, args)
        finally:
            self.in_use -= 1
            self._slots.release()

    def close(self) -> None:
        """Let the idle threads go (at the server's shutdown; work under way finishes)."""
        self._threads.close()


_STOP = None


class _Threads:
    """Up to ``size`` threads taking calls from one queue; each result goes back to its loop.

    What ``run_in_executor`` does, less what a slot-bounded caller does not
    need: no ``concurrent.futures.Future`` (and its condition variable)
    chained to the asyncio one, no work item. A call runs in a copy of its
    caller's context. A thread is started when there are fewer threads than
    calls under way, so none waits while another could have been started.
    """

    def __init__(self, size: int, name: str) -> None:
        self._size = size
        self._name = name
        self._calls: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._started = 0
        self._under_way = 0  # calls not yet answered; changed on the event loop's thread only

    async def call(self, func: Callable[..., T], args: tuple[object, ...]) -> T:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        self._under_way += 1
        if self._started < min(self._under_way, self._size):
            self._started += 1
            name = f"{self._name}_{self._started}"
            threading.Thread(target=self._serve, name=name, daemon=True).start()
        self._calls.put((loop, future, contextvars.copy_context(), func, args))
        return await future

    def _serve(self) -> None:
        while (item := self._calls.get()) is not _STOP:
            loop, future, context, func, args = item
            try:
                result, error = context.run(func, *args), None
            except BaseException as exc:  # handed to the caller, as run_in_executor does
                result, error = None, exc
            with contextlib.suppress(RuntimeError):  # a closed loop: nobody waits any more
                loop.call_soon_threadsafe(self._settle, future, result, error)
            del item, loop, future, context, func, args, result, error

    def _settle(
        self, future: asyncio.Future[Any], result: Any, error: BaseException | None
    ) -> None:
        self._under_way -= 1
        if future.cancelled():  # the caller went away; the work was done all the same
            return
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(result)

    def close(self) -> None:
        for _ in range(self._started):
            self._calls.put(_STOP)
