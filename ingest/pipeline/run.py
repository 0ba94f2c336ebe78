"""A whole scrape: discover, then claim and process batches until done, then derive.

This is the one implementation of a run. What runs each step is a `Steps` object: plain calls
by default (the CLI, the tests, the benchmark), a Prefect task per step in the `scrape` flow
(one task per batch of hundreds of URLs, never one per URL).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from functools import partial

from ingest.discover import LinkFollowPolicy
from ingest.fetch import Fetcher
from ingest.pipeline._pool import PageWorkers
from ingest.pipeline.batch import claim_batch, gather, stored_progress, write
from ingest.pipeline.discovery import discover
from ingest.pipeline.report import BatchReport, DiscoveryReport, ScrapeReport, StopReason
from ingest.pipeline.settings import REFRESH_CHUNK, Progress, ScrapeSettings, Sources
from storage.derived import RefreshReport, refresh_warehouse
from storage.frontier import FrontierItem
from storage.runs import finish_run, new_run_id, start_run
from storage.warehouse import Warehouse

ProgressHandler = Callable[[Progress], None]


@dataclass(slots=True)
class BatchDone:
    """One processed batch: its report, and the next batch its transaction claimed."""

    number: int
    report: BatchReport
    next_items: list[FrontierItem] = field(default_factory=list)


class Steps:
    """Runs the steps of `run_scrape`; each gets the step as a call without arguments.

    This class calls them directly; the Prefect flow overrides each method to run the step as
    a task (and to log it), so orchestration lives in `flows/` and the run's logic here.
    """

    async def discover(self, step: Callable[[], Awaitable[DiscoveryReport]]) -> DiscoveryReport:
        return await step()

    async def batch(self, number: int, step: Callable[[], Awaitable[BatchDone]]) -> BatchDone:
        return await step()

    async def refresh(self, step: Callable[[], Awaitable[RefreshReport]]) -> RefreshReport:
        return await step()


def _params(sources: Sources, settings: ScrapeSettings) -> dict[str, object]:
    return {
        "urls": len(sources.urls),
        "urls_files": list(sources.urls_files),
        "feeds": list(sources.feeds),
        "sitemaps": list(sources.sitemaps),
        "robots_sitemaps": list(sources.robots_sitemaps),
        "follow_links": sources.follow_links is not None,
        "batch_size": settings.batch_size,
        "max_pages": settings.max_pages,
        "time_budget_s": settings.time_budget_s,
    }


def _record_start(warehouse: Warehouse, run_id: str, params: dict[str, object]) -> None:
    with warehouse.connection() as con:
        start_run(con, "scrape", params, run_id=run_id)


def _record_end(warehouse: Warehouse, run_id: str, status: str, stats: dict[str, object]) -> None:
    with warehouse.connection() as con:
        finish_run(con, run_id, status=status, stats=stats)


class _Batches:
    """Claims and processes batches, two at a time: batch N is written (one transaction, which
    also claims batch N+2) while batch N+1 is fetched and extracted.

    The write runs in a thread (DuckDB leaves the GIL) beside the event loop, and extraction
    in its own process, so on two cores the write no longer stops fetching and extraction
    (docs/scrape.md has the figures). Writes stay in batch order; each claim leaves out the
    batch being fetched, whose URLs are still due until its own write.
    """

    def __init__(
        self,
        report: ScrapeReport,
        fetcher: Fetcher,
        warehouse: Warehouse,
        settings: ScrapeSettings,
        follow: LinkFollowPolicy | None,
        on_progress: ProgressHandler | None,
    ) -> None:
        self.report, self.fetcher, self.warehouse = report, fetcher, warehouse
        self.settings, self.follow, self.on_progress = settings, follow, on_progress
        self.claimed = 0

    def limit(self, deadline: float | None) -> int:
        """How many URLs the next claim may take (0 once the time budget is spent)."""
        if deadline is not None and time.monotonic() >= deadline:
            return 0
        if self.settings.max_pages is None:
            return self.settings.batch_size
        return max(0, min(self.settings.batch_size, self.settings.max_pages - self.claimed))

    def stop_reason(self, deadline: float | None) -> StopReason:
        if deadline is not None and time.monotonic() >= deadline:
            return "time_budget"
        return "max_pages" if self.limit(deadline) <= 0 else "no_work"

    def _claim(self, deadline: float | None, exclude: list[str]) -> list[FrontierItem]:
        limit = self.limit(deadline)
        if limit <= 0:
            return []
        items = claim_batch(self.warehouse, limit=limit, run_id=self.report.run_id, exclude=exclude)
        self.claimed += len(items)
        return items

    async def one(
        self,
        number: int,
        items: list[FrontierItem],
        previous: Awaitable[BatchDone],
        gathered: asyncio.Event,
        deadline: float | None,
    ) -> BatchDone:
        """Fetch and extract one batch; once the previous batch is written (which claimed the
        batch after this one), write this one in a transaction that claims the next but one."""
        started = time.perf_counter()
        try:
            got = await gather(
                items,
                fetcher=self.fetcher,
                run_id=self.report.run_id,
                settings=self.settings,
                follow_links=self.follow,
                on_progress=self.on_progress,
                bodies=self.warehouse.bodies,
            )
        finally:
            gathered.set()
        following = (await previous).next_items
        # Sizes are decided in claim order: every earlier claim has been counted by now.
        claim_next = self.limit(deadline)
        report, after = await asyncio.to_thread(
            write,
            self.warehouse,
            got,
            run_id=self.report.run_id,
            follow_links=self.follow,
            claim_next=claim_next,
            claim_exclude=_urls(following),
        )
        self.claimed += len(after)
        report.elapsed_s = time.perf_counter() - started
        return BatchDone(number, report, after)

    def _done(self, done: BatchDone) -> None:
        if done.number == 0:  # the stand-in for the batch before the first
            return
        self.report.pages = self.report.pages + done.report
        if self.on_progress:
            self.on_progress(stored_progress(done.report))

    async def run(self, steps: Steps, deadline: float | None) -> StopReason:
        items = await asyncio.to_thread(self._claim, deadline, [])
        number = 0
        while items:
            # Before the first batch, a stand-in for "the batch before it": its claim, taken
            # here, is the second batch (the next claims happen in the writes).
            second = await asyncio.to_thread(self._claim, deadline, _urls(items))
            previous: asyncio.Future[BatchDone] = asyncio.get_running_loop().create_future()
            previous.set_result(BatchDone(0, BatchReport(), second))
            while items:
                number += 1
                gathered = asyncio.Event()
                step = partial(self.one, number, items, previous, gathered, deadline)
                current = asyncio.ensure_future(steps.batch(number, step))
                # The next batch may start once this one's pages are in (or it has ended).
                waiter = asyncio.ensure_future(gathered.wait())
                try:
                    await asyncio.wait({current, waiter}, return_when=asyncio.FIRST_COMPLETED)
                    waiter.cancel()
                    done = await previous
                    if current.done() and current.exception() is not None:
                        raise current.exception()  # type: ignore[misc]
                except BaseException:
                    waiter.cancel()
                    await asyncio.gather(current, return_exceptions=True)
                    raise
                self._done(done)
                items, previous = done.next_items, current
            # No batch waiting: the last write may still have claimed work (links it added).
            done = await previous
            self._done(done)
            items = done.next_items
        return self.stop_reason(deadline)


async def run_scrape(
    sources: Sources,
    settings: ScrapeSettings,
    warehouse: Warehouse,
    *,
    run_id: str | None = None,
    on_progress: ProgressHandler | None = None,
    steps: Steps | None = None,
    params: dict[str, object] | None = None,
) -> ScrapeReport:
    """Discover, fetch every due frontier URL in batches, then derive duplicates and search
    postings of the new articles; the run is recorded in `runs` (with `params`, if given)."""
    steps = steps or Steps()
    started = time.monotonic()
    deadline = started + settings.time_budget_s if settings.time_budget_s is not None else None
    report = ScrapeReport(run_id=run_id or new_run_id())
    recorded = params if params is not None else _params(sources, settings)
    await asyncio.to_thread(_record_start, warehouse, report.run_id, recorded)
    status = "failed"
    # Starting the extraction processes takes seconds: a thread does it while discovery and
    # the first fetches run (their pages wait in the pool's queue meanwhile).
    warming = asyncio.ensure_future(
        asyncio.to_thread(PageWorkers(settings.extract_workers).warm_up)
    )
    try:
        async with Fetcher(settings.fetch) as fetcher:
            report.discovery = await steps.discover(
                partial(
                    discover,
                    sources,
                    fetcher=fetcher,
                    warehouse=warehouse,
                    run_id=report.run_id,
                    max_sitemaps=settings.max_sitemaps,
                )
            )
            if on_progress:
                on_progress(Progress(discovered=report.discovery.new))
            batches = _Batches(
                report, fetcher, warehouse, settings, sources.follow_links, on_progress
            )
            report.stopped = await batches.run(steps, deadline)
        # New articles become searchable and get their duplicate marks once per run.
        await steps.refresh(
            partial(asyncio.to_thread, refresh_warehouse, warehouse, chunk=REFRESH_CHUNK)
        )
        status = "completed"
    finally:
        await warming
        report.elapsed_s = time.monotonic() - started
        await asyncio.to_thread(_record_end, warehouse, report.run_id, status, report.summary())
    return report


def _urls(items: list[FrontierItem]) -> list[str]:
    """What a claim leaves out: the URLs of a batch that is claimed but not written yet."""
    return [item.url for item in items]
