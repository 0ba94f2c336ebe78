"""The `scrape` flow: discover sources into the frontier, then fetch, extract and store what is
due, one Prefect task per batch of hundreds of URLs with asyncio inside each batch.

The run itself is `ingest.pipeline.run_scrape`; this module only makes each of its steps a
task, logs it, and publishes the summary artifact.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from prefect import flow, get_run_logger, task
from prefect.artifacts import acreate_table_artifact
from prefect.cache_policies import NO_CACHE

from flows.scrape_params import LimitParams, SourceParams, to_settings, to_sources
from flows.scrape_report import describe, summary_rows
from ingest.pipeline import BatchDone, DiscoveryReport, Steps, run_scrape
from storage.derived import RefreshReport
from storage.warehouse import Warehouse

SUMMARY_KEY = "scrape-summary"

# Each task gets its step as a call without arguments (the fetcher, the warehouse and the batch
# are inside it): nothing for Prefect to hash (NO_CACHE) or to walk looking for futures.


@task(name="discover", task_run_name="discover", cache_policy=NO_CACHE)
async def discover_task(step: Callable[[], Awaitable[DiscoveryReport]]) -> DiscoveryReport:
    report = await step()
    logger = get_run_logger()
    logger.info(
        "discovery: %d documents (%d failed), %d URLs found, %d new",
        report.documents,
        report.documents_failed,
        report.found,
        report.new,
    )
    for error in report.errors:
        logger.warning("discovery: %s", error)
    return report


@task(name="batch", task_run_name="batch-{number}", cache_policy=NO_CACHE)
async def batch_task(number: int, step: Callable[[], Awaitable[BatchDone]]) -> BatchDone:
    """Fetch, extract and store one batch (asyncio inside; one transaction)."""
    done = await step()
    get_run_logger().info("batch %d: %s", number, describe(done.report))
    return done


@task(name="refresh-derived", task_run_name="refresh-derived", cache_policy=NO_CACHE)
async def refresh_task(step: Callable[[], Awaitable[RefreshReport]]) -> RefreshReport:
    """Duplicate marks and search postings of the run's new articles (and of any left behind)."""
    return await step()


class _TaskSteps(Steps):
    """The core run's steps, each as a Prefect task."""

    async def discover(self, step: Callable[[], Awaitable[DiscoveryReport]]) -> DiscoveryReport:
        return await discover_task(step)

    async def batch(self, number: int, step: Callable[[], Awaitable[BatchDone]]) -> BatchDone:
        return await batch_task(number, step)

    async def refresh(self, step: Callable[[], Awaitable[RefreshReport]]) -> RefreshReport:
        return await refresh_task(step)


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
    wh = Warehouse(warehouse)
    params: dict[str, object] = {"sources": sources.model_dump(), "limits": limits.model_dump()}
    report = await run_scrape(to_sources(sources), settings, wh, steps=_TaskSteps(), params=params)
    await acreate_table_artifact(
        key=SUMMARY_KEY,
        table=summary_rows(report.pages),
        description=f"Scrape run {report.run_id} into {wh.path} (stopped: {report.stopped})",
    )
    get_run_logger().info("scrape done, stopped by %s: %s", report.stopped, describe(report.pages))
    return report.summary()
