"""Extraction processes beside the event loop, so fetching goes on while pages are parsed.

One pool per process and worker count, started on first use (forkserver: never a fork of a
threaded parent) and shut down at exit; zero workers runs jobs inline.
"""

from __future__ import annotations

import asyncio
import atexit
import multiprocessing
import os
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Executor, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")

_pools: dict[int, ProcessPoolExecutor] = {}
_lock = threading.Lock()


def _pool(workers: int) -> ProcessPoolExecutor:
    with _lock:
        pool = _pools.get(workers)
        if pool is None:
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(["ingest.pipeline._warm"])
            pool = ProcessPoolExecutor(max_workers=workers, mp_context=context)
            _pools[workers] = pool
        return pool


def _forget(workers: int, pool: Executor) -> None:
    """Drop a pool whose process died, so the next batch starts a fresh one."""
    with _lock:
        if _pools.get(workers) is pool:
            del _pools[workers]
    pool.shutdown(wait=False, cancel_futures=True)


def shutdown_pools() -> None:
    """Stop every extraction process this process started (also run at exit)."""
    with _lock:
        pools = list(_pools.values())
        _pools.clear()
    for pool in pools:
        pool.shutdown(wait=True, cancel_futures=True)


atexit.register(shutdown_pools)


class PageWorkers:
    """Runs a picklable function on jobs: in `workers` processes, or inline when 0."""

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self._executor: Executor | None = _pool(workers) if workers > 0 else None

    def warm_up(self) -> None:
        """Start the worker processes now (they load the extractor), not at the first page."""
        if self._executor is not None:
            started = [self._executor.submit(os.getpid) for _ in range(self.workers)]
            for future in started:
                future.result()

    async def run(self, fn: Callable[[T], R], job: T) -> R:
        if self._executor is None:
            return fn(job)
        # `submit` can wait tens of milliseconds for the pool's own lock and pipe: never on the
        # event loop's thread, where every fetch would wait with it.
        try:
            submitted = await asyncio.to_thread(self._executor.submit, fn, job)
            return await asyncio.wrap_future(submitted)
        except BrokenProcessPool:
            _forget(self.workers, self._executor)
            raise

    def map(self, fn: Callable[[T], R], jobs: Iterable[T]) -> Iterator[R]:
        """Results in job order (synchronous; for re-parsing stored pages)."""
        if self._executor is None:
            return map(fn, jobs)
        return self._executor.map(fn, jobs, chunksize=8)
