"""Group commit: concurrent calls served by one batch call.

Each round trip to the database costs far more than the SQL it carries (a thread hop per
statement for aiosqlite, a network round trip for PostgreSQL), and SQLite has one writer anyway.
So instead of one transaction per request, callers queue their item and wait; one runner takes
everything queued so far and serves it with one call (one transaction), while the next group
queues up behind it. A lone caller is served at once: grouping never adds a timed wait, it only
happens when requests arrive faster than a batch takes.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

log = logging.getLogger(__name__)

ItemT = TypeVar("ItemT")
ResultT = TypeVar("ResultT")

# What a batch function returns for each item, in item order: the result, or the exception that
# item's caller should get (one item failing does not fail the others).
BatchFn = Callable[[list[ItemT]], Awaitable[Sequence[ResultT | BaseException]]]


class Coalescer(Generic[ItemT, ResultT]):
    def __init__(
        self,
        fn: BatchFn[ItemT, ResultT],
        max_size: int = 500,
        name: str = "batch",
        *,
        weight: Callable[[ItemT], int] | None = None,
        linger: float = 0.0,
    ) -> None:
        """`max_size` bounds a batch's total `weight` (1 per item by default; a batch always takes
        at least one item). `linger`: seconds a batch that is not full waits for more items."""
        self._fn = fn
        self._max = max_size
        self._name = name
        self._weight = weight
        self._linger = linger
        self._queue: list[tuple[ItemT, asyncio.Future[ResultT]]] = []
        self._runner: asyncio.Task[None] | None = None
        self.batches = 0  # how many batch calls were made (for tests and benchmarks)

    async def __call__(self, item: ItemT) -> ResultT:
        future: asyncio.Future[ResultT] = asyncio.get_running_loop().create_future()
        self._queue.append((item, future))
        if self._runner is None:
            # Started as a task, so callers arriving in this same loop tick join the first batch.
            self._runner = asyncio.create_task(self._run(), name=f"coalescer:{self._name}")
        return await future

    async def _run(self) -> None:
        try:
            while self._queue:
                if self._linger and self._load() < self._max:  # not full: let more arrive
                    await asyncio.sleep(self._linger)
                n = self._take()
                batch, self._queue = self._queue[:n], self._queue[n:]
                self.batches += 1
                try:
                    results = await self._fn([item for item, _ in batch])
                    if len(results) != len(batch):
                        raise RuntimeError(f"{self._name}: {len(results)} results for {len(batch)} items")
                except Exception as exc:
                    log.debug("%s: batch of %d failed: %r", self._name, len(batch), exc)
                    for _, future in batch:
                        if not future.done():
                            future.set_exception(exc)
                    continue
                for (_, future), result in zip(batch, results, strict=True):
                    if future.done():  # its caller gave up (cancelled); the work is done anyway
                        continue
                    if isinstance(result, BaseException):
                        future.set_exception(result)
                    else:
                        future.set_result(result)
        finally:
            self._runner = None
            # Only on cancellation (shutdown) can items be left: their callers must not hang.
            for _, future in self._queue:
                if not future.done():
                    future.cancel()
            self._queue = []

    def _load(self) -> int:
        if self._weight is None:
            return len(self._queue)
        return sum(self._weight(item) for item, _ in self._queue)

    def _take(self) -> int:
        """How many queued items the next batch takes."""
        if self._weight is None:
            return min(len(self._queue), self._max)
        total = 0
        for n, (item, _) in enumerate(self._queue):
            total += self._weight(item)
            if total > self._max:
                return max(n, 1)
        return len(self._queue)
