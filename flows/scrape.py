"""The `scrape` flow: discover sources into the frontier, then fetch, extract and store what is
due, one Prefect task per batch of hundreds of URLs with asyncio inside each batch.
"""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING

from prefect import flow, get_run_logger, task
from prefect.artifacts import acreate_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.utilities.annotations import quote

from flows.scrape_params import LimitParams, SourceParams, to_settings, to_sources
from flows.scrape_report import describe, summary_rows
from ingest.discover import LinkFollowPolicy
from ingest.fetch import Fetcher
from ingest.pipeline import (
    BatchReport,
    DiscoveryReport,
    FrontierItem,
    ScrapeReport,
    ScrapeSettings,
    Sources,
    claim_batch,
    discover,
)
from ingest.pipeline._pool import PageWorkers
from ingest.pipeline.batch import gather, write
from ingest.pipeline.report import StopReason
from storage.derived import RefreshReport, refresh_warehouse
from storage.runs import finish_run, new_run_id, start_run
from storage.warehouse import Warehouse

if TYPE_CHECKING:  # what a fetched batch carries to its write; only named in annotations
    from ingest.pipeline._collect import Collected

SUMMARY_KEY = "scrape-summary"


# The fetcher and the warehouse are live objects: NO_CACHE keeps Prefect from hashing them.
@task(name="discover", task_run_name="discover", cache_policy=NO_CACHE)
async def discover_task(
    sources: Sources, fetcher: Fetcher, warehouse: Warehouse, run_id: str, max_sitemaps: int
) -> DiscoveryReport:
    report = await discover(
        sources, fetcher=fetcher, warehouse=warehouse, run_id=run_id, max_sitemaps=max_sitemaps
    )
    get_run_logger().info(
        "discovery: %d documents (%d failed), %d URLs found, %d new",
        report.documents,
        report.documents_failed,
        report.found,
        report.new,
    )
    for error in report.errors:
        get_run_logger().warning("discovery: %s", error)
    return report


@task(name="fetch-batch", task_run_name="fetch-batch-{number}", cache_policy=NO_CACHE)
async def fetch_task(
    number: int,
    items: list[FrontierItem],
    fetcher: Fetcher,
    run_id: str,
    settings: ScrapeSettings,
    follow_links: LinkFollowPolicy | None,
) -> Collected:
    """Fetch the batch and extract its pages (asyncio inside); nothing is written yet."""
    return await gather(
        items, fetcher=fetcher, run_id=run_id, settings=settings, follow_links=follow_links
    )


@task(name="store-batch", task_run_name="store-batch-{number}", cache_policy=NO_CACHE)
async def store_task(
    number: int,
    got: Collected,
    warehouse: Warehouse,
    run_id: str,
    follow_links: LinkFollowPolicy | None,
    claim_next: int,
) -> tuple[BatchReport, list[FrontierItem]]:
    """Write what a batch learned in its one transaction, which also claims the next batch."""
    report, after = await asyncio.to_thread(
        write, warehouse, got, run_id=run_id, follow_links=follow_links, claim_next=claim_next
    )
    get_run_logger().info("batch %d: %s", number, describe(report))
    return report, after


class _Batches:
    """Claims and processes batches in turn, as the core's `run_scrape` does, with each fetch
    and each write a Prefect task."""

    def __init__(
        self,
        report: ScrapeReport,
        fetcher: Fetcher,
        warehouse: Warehouse,
        settings: ScrapeSettings,
        follow_links: LinkFollowPolicy | None,
    ) -> None:
        self.report, self.fetcher, self.warehouse = report, fetcher, warehouse
        self.settings, self.follow_links = settings, follow_links
        self.fetched = 0

    def _limit(self, deadline: float | None) -> int:
        """URLs the next batch may take: 0 once the time budget or the page limit is used up."""
        if deadline is not None and time.monotonic() >= deadline:
            return 0
        if self.settings.max_pages is None:
            return self.settings.batch_size
        return max(0, min(self.settings.batch_size, self.settings.max_pages - self.fetched))

    async def run(self, deadline: float | None) -> StopReason:
        run_id, limit = self.report.run_id, self._limit(deadline)
        items = (
            await asyncio.to_thread(claim_batch, self.warehouse, limit=limit, run_id=run_id)
            if limit
            else []
        )
        number = 0
        while items:
            number += 1
            # quote(): Prefect would otherwise walk every page of the batch looking for futures.
            got = await fetch_task(
                number, quote(items), self.fetcher, run_id, self.settings, self.follow_links
            )
            self.fetched += len(items)
            batch, items = await store_task(
                number, quote(got), self.warehouse, run_id, self.follow_links, self._limit(deadline)
            )
            self.report.pages = self.report.pages + batch
        if deadline is not None and time.monotonic() >= deadline:
            return "time_budget"
        return "max_pages" if self._limit(deadline) <= 0 else "no_work"


@task(name="refresh-derived", task_run_name="refresh-derived", cache_policy=NO_CACHE)
async def refresh_task(warehouse: Warehouse) -> RefreshReport:
    """Duplicate marks and search postings of the run's new articles (and of any left behind)."""
    return await asyncio.to_thread(refresh_warehouse, warehouse)


def _record_start(warehouse: Warehouse, run_id: str, params: dict[str, object]) -> None:
    with warehouse.connection() as con:
        start_run(con, "scrape", params, run_id=run_id)


def _record_end(warehouse: Warehouse, report: ScrapeReport, status: str) -> None:
    with warehouse.connection() as con:
        finish_run(con, report.run_id, status=status, stats=report.summary())


async def _run(
    report: ScrapeReport,
    plan: Sources,
    settings: ScrapeSettings,
    wh: Warehouse,
    params: dict[str, object],
) -> None:
    """Discover, then work through the frontier; the `runs` row says how it ended."""
    await asyncio.to_thread(_record_start, wh, report.run_id, params)
    started, status = time.monotonic(), "failed"
    budget = settings.time_budget_s  # discovery counts against it too
    deadline = started + budget if budget is not None else None
    # Extraction processes take seconds to start: they warm up while discovery runs.
    warming = asyncio.ensure_future(
        asyncio.to_thread(PageWorkers(settings.extract_workers).warm_up)
    )
    try:
        async with Fetcher(settings.fetch) as fetcher:
            report.discovery = await discover_task(
                plan, fetcher, wh, report.run_id, settings.max_sitemaps
            )
            batches = _Batches(report, fetcher, wh, settings, plan.follow_links)
            report.stopped = await batches.run(deadline)
        await refresh_task(wh)
        status = "completed"
    finally:
        await warming
        report.elapsed_s = time.monotonic() - started
        await asyncio.to_thread(_record_end, wh, report, status)


@flow(name="scrape")
async def scrape(
    sources: SourceParams | None = None,
    limits: LimitParams | None = None,
    warehouse: str | None = None,
    allow_private_addresses: bool = False,
    ignore_robots_for: list[str] | None = None,
    forbidden_networks: list[str] | None = None,
) -> dict[str, object]:
    """Discover new article URLs, then fetch, extract and append them to the warehouse.

    Publishes a `scrape-summary` table (per domain: outcomes, articles, bytes, latency) and
    records the run in the warehouse's `runs` table. `allow_private_addresses` is for local
    test sites only; `forbidden_networks` (CIDR) stay refused even then.
    """
    sources, limits = sources or SourceParams(), limits or LimitParams()
    settings = to_settings(
        limits,
        allow_private_addresses=allow_private_addresses,
        ignore_robots_for=ignore_robots_for or (),
        forbidden_networks=forbidden_networks or (),
    )
    plan, wh = to_sources(sources), Warehouse(warehouse)
    report = ScrapeReport(run_id=new_run_id())
    params: dict[str, object] = {"sources": sources.model_dump(), "limits": limits.model_dump()}
    await _run(report, plan, settings, wh, params)
    await acreate_table_artifact(
        key=SUMMARY_KEY,
        table=summary_rows(report.pages),
        description=f"Scrape run {report.run_id} into {wh.path} (stopped: {report.stopped})",
    )
    get_run_logger().info("scrape done, stopped by %s: %s", report.stopped, describe(report.pages))
    return report.summary()
