"""The `scrape` flow: discover sources into the frontier, then fetch, extract and store what is
due, one Prefect task per batch of hundreds of URLs with asyncio inside each batch.
"""

from __future__ import annotations

import asyncio
import time

from prefect import flow, get_run_logger, task
from prefect.artifacts import acreate_table_artifact
from prefect.cache_policies import NO_CACHE

from flows.scrape_params import LimitParams, SourceParams, to_settings, to_sources
from flows.scrape_report import describe, summary_rows
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
    process_batch,
)
from storage.runs import finish_run, new_run_id, start_run
from storage.warehouse import Warehouse

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


@task(name="scrape-batch", task_run_name="scrape-batch-{number}", cache_policy=NO_CACHE)
async def batch_task(
    number: int,
    items: list[FrontierItem],
    fetcher: Fetcher,
    warehouse: Warehouse,
    run_id: str,
    settings: ScrapeSettings,
    sources: Sources,
) -> BatchReport:
    report = await process_batch(
        items,
        fetcher=fetcher,
        warehouse=warehouse,
        run_id=run_id,
        settings=settings,
        follow_links=sources.follow_links,
    )
    get_run_logger().info("batch %d: %s", number, describe(report))
    return report


async def _work_through_frontier(
    report: ScrapeReport,
    fetcher: Fetcher,
    warehouse: Warehouse,
    settings: ScrapeSettings,
    sources: Sources,
) -> None:
    """Claim and process batches until no work is due, or the page limit or time budget."""
    budget = settings.time_budget_s
    deadline = time.monotonic() + budget if budget is not None else None
    number = 0
    while True:
        if deadline is not None and time.monotonic() >= deadline:
            report.stopped = "time_budget"
            return
        left = None if settings.max_pages is None else settings.max_pages - report.pages.fetched
        if left is not None and left <= 0:
            report.stopped = "max_pages"
            return
        limit = settings.batch_size if left is None else min(settings.batch_size, left)
        items = await asyncio.to_thread(claim_batch, warehouse, limit=limit, run_id=report.run_id)
        if not items:
            report.stopped = "no_work"
            return
        number += 1
        batch = await batch_task(
            number, items, fetcher, warehouse, report.run_id, settings, sources
        )
        if batch.fetched == 0:
            # Its URLs are still due: claiming again would take the same batch for ever.
            raise RuntimeError(f"batch {number} of {len(items)} URLs fetched none; stopping")
        report.pages = report.pages + batch


def _record_start(warehouse: Warehouse, run_id: str, params: dict[str, object]) -> None:
    with warehouse.connection() as con:
        start_run(con, "scrape", params, run_id=run_id)


def _record_end(warehouse: Warehouse, report: ScrapeReport, status: str) -> None:
    with warehouse.connection() as con:
        finish_run(con, report.run_id, status=status, stats=report.summary())


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
    await asyncio.to_thread(_record_start, wh, report.run_id, params)
    started, status = time.monotonic(), "failed"
    try:
        async with Fetcher(settings.fetch) as fetcher:
            report.discovery = await discover_task(
                plan, fetcher, wh, report.run_id, settings.max_sitemaps
            )
            await _work_through_frontier(report, fetcher, wh, settings, plan)
        status = "completed"
    finally:
        report.elapsed_s = time.monotonic() - started
        await asyncio.to_thread(_record_end, wh, report, status)
    await acreate_table_artifact(
        key=SUMMARY_KEY,
        table=summary_rows(report.pages),
        description=f"Scrape run {report.run_id} into {wh.path} (stopped: {report.stopped})",
    )
    get_run_logger().info("scrape done, stopped by %s: %s", report.stopped, describe(report.pages))
    return report.summary()
