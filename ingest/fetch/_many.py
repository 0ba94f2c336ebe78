"""Fetching a stream of requests with a fixed pool of workers, yielding results as they finish.

At most `size` requests are in flight and at most `size` results wait for the caller, so a slow
consumer holds memory bounded; an error of the caller's iterable reaches the caller.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Callable, Iterable
from typing import Generic, TypeVar

_In = TypeVar("_In")
_Out = TypeVar("_Out")
_END = object()  # the source is exhausted (or failed)
_DONE = object()  # a worker has stopped


class _Source(Generic[_In]):
    """Hands out items of a sync or async iterable to many workers, one at a time."""

    def __init__(self, items: Iterable[_In] | AsyncIterable[_In]) -> None:
        self._sync = iter(items) if not isinstance(items, AsyncIterable) else None
        self._async = aiter(items) if isinstance(items, AsyncIterable) else None
        self._lock = asyncio.Lock()
        self.error: BaseException | None = None

    async def next(self) -> _In | object:
        if self.error is not None:
            return _END
        try:
            if self._sync is not None:
                return next(self._sync, _END)
            async with self._lock:  # an async generator cannot be awaited twice at once
                return _END if self.error is not None else await anext(self._async, _END)
        except Exception as exc:  # the caller's iterable failed: stop handing out work
            self.error = exc
            return _END


async def run_pool(
    work: Callable[[_In], Awaitable[_Out]],
    items: Iterable[_In] | AsyncIterable[_In],
    size: int,
) -> AsyncIterator[_Out]:
    """Yield `await work(item)` for every item, `size` at a time, in completion order."""
    source: _Source[_In] = _Source(items)
    results: asyncio.Queue[object] = asyncio.Queue(maxsize=size)

    async def worker() -> None:
        while (item := await source.next()) is not _END:
            await results.put(await work(item))  # type: ignore[arg-type]
        await results.put(_DONE)

    workers = [asyncio.create_task(worker()) for _ in range(size)]
    try:
        stopped = 0
        while stopped < size:
            result = await results.get()
            if result is _DONE:
                stopped += 1
            else:
                yield result  # type: ignore[misc]
        if source.error is not None:
            raise source.error
    finally:
        for task in workers:
            task.cancel()
        await asyncio.gather(*workers, return_exceptions=True)
