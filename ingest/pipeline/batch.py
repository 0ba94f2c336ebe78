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
from pathlib import Path

from ingest.article import Article
from ingest.discover import LinkFollowPolicy
from ingest.fetch import Fetcher, FetchRequest, FetchResult
from ingest.pipeline._collect import Collected, record
from ingest.pipeline._pool import PageWorkers
from ingest.pipeline._work import EXTRACTION_ERROR, PageJob, PageResult, work_all
from ingest.pipeline.report import BatchReport
from ingest.pipeline.settings import Progress, ScrapeSettings
from storage.articles import Outcome, append_articles_in_transaction
from storage.bodies import write_bodies
from storage.fetches import insert_fetches
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
        layout=s.layout,
        source=item.source,
        fetch_id=fetch_id,
        depth=item.depth,
        follow=follow if follow is not None and item.depth < follow.max_depth else None,
    )


_CHUNK = 8  # pages per hand-over to an extraction process: fewer wake-ups of the loop's thread


class _Extraction:
    """Hands fetched pages to the extraction processes in small chunks, as they arrive."""

    def __init__(self, workers: PageWorkers) -> None:
        self.workers = workers
        self.bodies: list[tuple[str, str, bytes]] = []  # (fetch_id, URL, raw body) to keep
        self.waiting: list[tuple[FrontierItem, FetchResult, str, PageJob]] = []
        self.chunks: list[
            tuple[list[tuple[FrontierItem, FetchResult, str]], asyncio.Future[list[PageResult]]]
        ] = []

    def add(self, item: FrontierItem, result: FetchResult, fetch_id: str, job: PageJob) -> None:
        self.waiting.append((item, result, fetch_id, job))
        # The body file holds every page sent to extraction; _collect.record gives exactly
        # these pages' fetch rows a body (`page is not None`): keep the two rules in step.
        self.bodies.append((fetch_id, item.url, result.body))
        if len(self.waiting) >= _CHUNK:
            self.flush()

    def flush(self) -> None:
        if self.waiting:
            jobs = [w[3] for w in self.waiting]
            future = asyncio.ensure_future(self.workers.run(work_all, jobs))
            self.chunks.append(([w[:3] for w in self.waiting], future))
            self.waiting = []

    async def results(self) -> list[tuple[FrontierItem, FetchResult, str, PageResult]]:
        self.flush()
        done = []
        for pages, future in self.chunks:
            try:
                results = await future
            except Exception as exc:  # a crashed worker process costs its pages, not the run
                error = f"extraction failed: {exc!r}"
                results = [PageResult(None, EXTRACTION_ERROR, error, ()) for _ in pages]
            done.extend((*page, result) for page, result in zip(pages, results, strict=True))
        return done


async def gather(
    items: Sequence[FrontierItem],
    *,
    fetcher: Fetcher,
    run_id: str,
    settings: ScrapeSettings,
    follow_links: LinkFollowPolicy | None = None,
    on_progress: ProgressHandler | None = None,
    bodies: Path | None = None,
) -> Collected:
    """Fetch the batch (conditionally) and extract its pages; nothing is written to the
    warehouse yet. With `bodies` (the warehouse's body folder), the raw bodies of the pages
    sent to extraction go to their file meanwhile, so the batch's transaction has less to do.
    """
    got = Collected(now=datetime.now(UTC))
    by_url = {item.url: item for item in items}
    extraction = _Extraction(PageWorkers(settings.extract_workers))
    requests = (FetchRequest(i.url, etag=i.etag, last_modified=i.last_modified) for i in items)
    async for result in fetcher.fetch_many(requests):
        item, fetch_id = by_url[result.requested_url], uuid.uuid4().hex
        if result.ok and result.text is not None:
            extraction.add(
                item, result, fetch_id, _job(item, result, fetch_id, settings, follow_links)
            )
        else:
            record(got, item, result, None, run_id=run_id, settings=settings, fetch_id=fetch_id)
        if on_progress:
            on_progress(Progress(fetched=1))
    # A file no committed row names is harmless (`storage.bodies`): it may go first.
    body_file = (
        asyncio.ensure_future(
            asyncio.to_thread(write_bodies, bodies, got.now.date(), extraction.bodies)
        )
        if bodies is not None and extraction.bodies
        else None
    )
    try:
        pages = await extraction.results()
    finally:
        got.body_file = await body_file if body_file is not None else None
    for item, result, fetch_id, page in pages:
        record(got, item, result, page, run_id=run_id, settings=settings, fetch_id=fetch_id)
    return got


def write(
    warehouse: Warehouse,
    got: Collected,
    *,
    run_id: str,
    follow_links: LinkFollowPolicy | None,
    claim_next: int = 0,
    claim_exclude: Sequence[str] = (),
) -> tuple[BatchReport, list[FrontierItem]]:
    """The batch's single transaction: fetches, articles, frontier states and new links.

    With `claim_next`, the next batch is claimed on the same connection after the writes (one
    open of the file per batch instead of two); it returns with the report. `claim_exclude`:
    URLs of a batch being fetched meanwhile (not written yet, so still due).
    """
    report = got.report
    articles = [a for _, a in got.articles]
    domains = {domain for domain, _ in got.articles}
    with warehouse.transaction() as con:
        insert_fetches(con, got.fetches, bodies=warehouse.bodies, body_file=got.body_file)
        # One domain takes the append's totals; several need each article's outcome.
        appended = append_articles_in_transaction(
            con, articles, seen_at=got.now, run_id=run_id, by_id=len(domains) > 1
        )
        apply_updates(con, got.updates)
        if got.links and follow_links is not None:
            room = follow_links.max_pages - added_by_links(con, run_id)
            report.links_added += add_urls(con, got.links, now=got.now, run_id=run_id, limit=room)
        after = (
            claim(
                con, limit=claim_next, now=datetime.now(UTC), exclude=claim_exclude, run_id=run_id
            )
            if claim_next > 0
            else []
        )
    if len(domains) == 1:
        stats = report.domain(domains.pop())
        stats.new, stats.changed, stats.unchanged = (
            appended.new,
            appended.changed,
            appended.unchanged,
        )
    elif domains:
        _count_novelty(report, got.articles, appended.outcomes)
    return report, after


def _count_novelty(
    report: BatchReport, articles: Sequence[tuple[str, Article]], outcomes: dict[str, Outcome]
) -> None:
    """New / changed / unchanged per domain, as the append decided them (last copy wins)."""
    last = {a.id: domain for domain, a in articles}
    for article_id, domain in last.items():
        stats = report.domain(domain)
        outcome = outcomes[article_id]
        if outcome == "new":
            stats.new += 1
        elif outcome == "unchanged":
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
        bodies=warehouse.bodies,
    )
    report, _ = await asyncio.to_thread(
        write, warehouse, got, run_id=run_id, follow_links=follow_links
    )
    report.elapsed_s = time.perf_counter() - started
    if on_progress:
        on_progress(stored_progress(report))
    return report
