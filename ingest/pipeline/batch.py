"""One batch of frontier URLs: fetch, keep the raw fetch, extract, normalise, append, move on.

Pages are fetched concurrently and extracted in worker processes as they arrive (`gather`);
everything the batch learned is then written in one short transaction (`write`), off the loop.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from ingest.article import Article
from ingest.discover import LinkFollowPolicy
from ingest.fetch import Fetcher, FetchRequest, FetchResult
from ingest.pipeline._collect import Collected, record
from ingest.pipeline._pool import PageWorkers
from ingest.pipeline._work import EXTRACTION_ERROR, PageJob, PageResult, work
from ingest.pipeline.report import BatchReport
from ingest.pipeline.settings import Progress, ScrapeSettings
from storage.articles import append_articles_in_transaction
from storage.fetches import current_hashes, insert_fetches
from storage.frontier import FrontierItem, add_urls, added_by_links, apply_updates, claim
from storage.warehouse import Warehouse

ProgressHandler = Callable[[Progress], None]


def claim_batch(
    warehouse: Warehouse,
    *,
    limit: int,
    run_id: str | None = None,
    exclude: Sequence[str] = (),
) -> list[FrontierItem]:
    """Up to `limit` frontier URLs due now: pending, or a retry or revisit whose time has come.

    `exclude` leaves out URLs whose batch is still being written; with the `run_id` of a run in
    the `runs` table, URLs this run has already attempted are left for the next run.
    """
    with warehouse.connection() as con:
        return claim(con, limit=limit, now=datetime.now(UTC), exclude=exclude, run_id=run_id)


def _job(
    item: FrontierItem,
    result: FetchResult,
    fetch_id: str,
    s: ScrapeSettings,
    follow: LinkFollowPolicy | None,
) -> PageJob:
    return PageJob(
        url=result.final_url,
        html=result.text or "",
        body=result.body,
        layout=s.layout,
        source=item.source,
        fetch_id=fetch_id,
        depth=item.depth,
        follow=follow if follow is not None and item.depth < follow.max_depth else None,
    )


async def _extracted(future: asyncio.Future[PageResult], url: str) -> PageResult:
    try:
        return await future
    except Exception as exc:  # a crashed worker process costs its pages, not the run
        return PageResult(None, EXTRACTION_ERROR, f"{url}: extraction failed: {exc!r}", (), None)


async def gather(
    items: Sequence[FrontierItem],
    *,
    fetcher: Fetcher,
    run_id: str,
    settings: ScrapeSettings,
    follow_links: LinkFollowPolicy | None = None,
    on_progress: ProgressHandler | None = None,
) -> Collected:
    """Fetch the batch (conditionally) and extract its pages; nothing is written yet."""
    got = Collected(now=datetime.now(UTC))
    by_url = {item.url: item for item in items}
    workers = PageWorkers(settings.extract_workers)
    pending: list[tuple[FrontierItem, FetchResult, str, asyncio.Future[PageResult]]] = []
    requests = (FetchRequest(i.url, etag=i.etag, last_modified=i.last_modified) for i in items)
    async for result in fetcher.fetch_many(requests):
        item, fetch_id = by_url[result.requested_url], uuid.uuid4().hex
        if result.ok and result.text is not None:
            job = _job(item, result, fetch_id, settings, follow_links)
            pending.append((item, result, fetch_id, asyncio.ensure_future(workers.run(work, job))))
        else:
            record(got, item, result, None, run_id=run_id, settings=settings, fetch_id=fetch_id)
        if on_progress:
            on_progress(Progress(fetched=1))
    for item, result, fetch_id, future in pending:
        page = await _extracted(future, item.url)
        record(got, item, result, page, run_id=run_id, settings=settings, fetch_id=fetch_id)
    return got


def write(
    warehouse: Warehouse, got: Collected, *, run_id: str, follow_links: LinkFollowPolicy | None
) -> BatchReport:
    """The batch's single transaction: fetches, articles, frontier states and new links."""
    report = got.report
    articles = [a for _, a in got.articles]
    domains = {domain for domain, _ in got.articles}
    with warehouse.transaction() as con:
        # One domain (the usual batch) takes the append's totals; several need a lookup first.
        before = current_hashes(con, [a.id for a in articles]) if len(domains) > 1 else None
        insert_fetches(con, got.fetches)
        appended = append_articles_in_transaction(con, articles, seen_at=got.now, run_id=run_id)
        apply_updates(con, got.updates)
        if got.links and follow_links is not None:
            room = follow_links.max_pages - added_by_links(con, run_id)
            report.links_added += add_urls(con, got.links, now=got.now, run_id=run_id, limit=room)
    if before is None and domains:
        stats = report.domain(domains.pop())
        stats.new, stats.changed, stats.unchanged = (
            appended.new,
            appended.changed,
            appended.unchanged,
        )
    elif before is not None:
        _count_novelty(report, got.articles, before)
    return report


def _count_novelty(
    report: BatchReport, articles: Sequence[tuple[str, Article]], before: dict[str, str]
) -> None:
    """New / changed / unchanged per domain, decided as the append decides (last copy wins)."""
    last = {a.id: (domain, a) for domain, a in articles}
    for domain, article in last.values():
        stats = report.domain(domain)
        previous = before.get(article.id)
        if previous is None:
            stats.new += 1
        elif previous == article.content_hash:
            stats.unchanged += 1
        else:
            stats.changed += 1


def stored_progress(report: BatchReport) -> Progress:
    return Progress(stored=report.stored, failed=report.failed, discovered=report.links_added)


async def process_batch(
    items: Sequence[FrontierItem],
    *,
    fetcher: Fetcher,
    warehouse: Warehouse,
    run_id: str,
    settings: ScrapeSettings,
    follow_links: LinkFollowPolicy | None = None,
    on_progress: ProgressHandler | None = None,
) -> BatchReport:
    """Fetch, store, extract and append one batch; one transaction writes all of it."""
    started = time.perf_counter()
    got = await gather(
        items,
        fetcher=fetcher,
        run_id=run_id,
        settings=settings,
        follow_links=follow_links,
        on_progress=on_progress,
    )
    report = await asyncio.to_thread(
        write, warehouse, got, run_id=run_id, follow_links=follow_links
    )
    report.elapsed_s = time.perf_counter() - started
    if on_progress:
        on_progress(stored_progress(report))
    return report
