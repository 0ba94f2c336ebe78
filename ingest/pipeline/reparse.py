"""Re-extract every stored page with the current extractor, without the network.

The latest successful fetch of each URL is read back a page of URLs at a time; articles whose
text changed get a new version, the rest only a new last-seen time, and the frontier state of
each URL follows what its page gives now (`storage.frontier.apply_reparse`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime

from ingest.article import Layout
from ingest.fetch import decode_html
from ingest.normalize import PARSER_VERSION
from ingest.pipeline._pool import PageWorkers
from ingest.pipeline._work import (
    EXTRACTION_ERROR,
    NO_CONTENT,
    NOT_ARTICLE,
    PageJob,
    PageResult,
    work,
)
from ingest.pipeline.report import MAX_FAILURES, Failure, ReparseReport
from ingest.pipeline.settings import REFRESH_CHUNK, Progress
from storage.articles import append_articles_in_transaction
from storage.derived import refresh_warehouse
from storage.fetches import (
    StoredPage,
    load_pages,
    set_article_ids,
    stored_page_urls,
)
from storage.frontier import apply_reparse
from storage.runs import finish_run, new_run_id, start_run
from storage.warehouse import Warehouse


def _pages(warehouse: Warehouse, batch_size: int) -> Iterator[list[StoredPage]]:
    """Stored pages in URL order, one short read per batch (the file is closed in between)."""
    after: str | None = None
    while True:
        with warehouse.connection() as con:
            keys = stored_page_urls(con, after=after, limit=batch_size)
            if not keys:
                return
            pages = load_pages(con, [fetch_id for _, fetch_id in keys], bodies=warehouse.bodies)
        after = keys[-1][0]
        yield pages


# Frontier outcomes decided by the page's extraction, which a re-parse may therefore revise.
_DECIDED_BY_PARSE = ("ok", "not_modified", EXTRACTION_ERROR, NO_CONTENT, NOT_ARTICLE)
BODY_MISSING = "body_missing"  # the stored body file is gone: nothing to parse


def _job(page: StoredPage, layout: Layout) -> PageJob:
    text, _, _ = decode_html(page.body or b"", page.content_type)
    return PageJob(
        url=page.final_url,
        html=text,
        layout=layout,
        source=page.source,
        fetch_id=page.fetch_id,
    )


def _parse(pool: PageWorkers, pages: list[StoredPage], layout: Layout) -> list[PageResult]:
    """Results in page order; a page whose body file is gone gets `body_missing`."""
    present = [p for p in pages if p.body is not None]
    parsed = iter(pool.map(work, [_job(p, layout) for p in present]))
    return [
        next(parsed) if p.body is not None else PageResult(None, BODY_MISSING, p.missing, ())
        for p in pages
    ]


def _write(
    warehouse: Warehouse, pages: list[StoredPage], results: list[PageResult], run_id: str
) -> ReparseReport:
    report = ReparseReport(pages=len(pages), parser_version=PARSER_VERSION)
    articles, parsed = [], []
    for page, result in zip(pages, results, strict=True):
        if result.article is None:
            report.failed += 1
            if len(report.failures) < MAX_FAILURES:
                report.failures.append(Failure(page.url, result.failure or "", result.error))
            if result.failure != BODY_MISSING:
                parsed.append((page.url, result.failure or EXTRACTION_ERROR, None))
        else:
            articles.append(result.article)
            parsed.append((page.url, "ok", result.article.id))
    now = datetime.now(UTC)
    with warehouse.transaction() as con:
        appended = append_articles_in_transaction(con, articles, seen_at=now, run_id=run_id)
        set_article_ids(con, [(a.fetch_id or "", a.id) for a in articles])
        apply_reparse(con, parsed, decided_by=_DECIDED_BY_PARSE)
    report.new, report.changed, report.unchanged = (
        appended.new,
        appended.changed,
        appended.unchanged,
    )
    return report


def reparse_all(
    warehouse: Warehouse,
    *,
    batch_size: int = 500,
    run_id: str | None = None,
    on_progress: Callable[[Progress], None] | None = None,
    workers: int = 1,
    layout: Layout = "spaced",
) -> ReparseReport:
    """Re-parse the latest stored fetch of every URL; recorded as a `reparse` run."""
    run_id = run_id or new_run_id()
    with warehouse.connection() as con:
        start_run(con, "reparse", {"parser_version": PARSER_VERSION}, run_id=run_id)
    pool = PageWorkers(workers)
    total = ReparseReport(parser_version=PARSER_VERSION)
    status = "failed"
    try:
        for pages in _pages(warehouse, batch_size):
            results = _parse(pool, pages, layout)
            part = _write(warehouse, pages, results, run_id)
            total = total + part
            if on_progress:
                on_progress(
                    Progress(
                        fetched=part.pages, stored=part.pages - part.failed, failed=part.failed
                    )
                )
        # Changed texts get their duplicate marks and search postings.
        refresh_warehouse(warehouse, chunk=REFRESH_CHUNK)
        status = "completed"
    finally:
        with warehouse.connection() as con:
            finish_run(
                con,
                run_id,
                status=status,
                stats={
                    "pages": total.pages,
                    "new": total.new,
                    "changed": total.changed,
                    "unchanged": total.unchanged,
                    "failed": total.failed,
                },
            )
    return total
