"""One measurement of the scrape benchmark, run in its own process: prints one JSON line.

Stages: `fetch` (fetch only), `extract-store` (extraction from memory, then the batch writes,
timed apart), `core` (run_scrape end to end), `flow` (the Prefect `scrape` flow end to end).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar
from urllib.parse import urlsplit

from ingest.fetch import Fetcher, FetchResult, Outcome
from ingest.pipeline import ScrapeSettings, Sources, run_scrape
from ingest.pipeline import batch as batch_module
from ingest.pipeline._collect import Collected, record
from ingest.pipeline._pool import PageWorkers
from ingest.pipeline._work import PageJob, work
from ingest.pipeline.batch import write
from ingest.testing import loopback_settings
from ingest.urls import site_of
from storage.frontier import FrontierItem, add_urls
from storage.warehouse import Warehouse

T = TypeVar("T")


def _fetch_settings(concurrency: int) -> object:
    return loopback_settings(concurrency=concurrency, per_host=concurrency, respect_robots=False)


def _urls(path: str) -> list[str]:
    return Path(path).read_text().split()


async def _fetch_only(urls: list[str], concurrency: int) -> dict[str, object]:
    ok, failures = 0, Counter[str]()
    started, cpu = time.perf_counter(), time.process_time()
    async with Fetcher(_fetch_settings(concurrency)) as fetcher:  # type: ignore[arg-type]
        async for result in fetcher.fetch_many(urls):
            ok += result.ok
            if not result.ok:
                failures[f"{result.outcome.value} {result.status or ''}".strip()] += 1
    return {
        "pages": len(urls),
        "ok": ok,
        "wall_s": time.perf_counter() - started,
        "cpu_s": time.process_time() - cpu,
        "failures": dict(failures),
    }


def _result(url: str, body: bytes) -> FetchResult:
    """What the fetcher returns for a page served as UTF-8 HTML (read here from disk)."""
    now = datetime.now(UTC)
    return FetchResult(
        requested_url=url,
        final_url=url,
        redirects=(),
        status=200,
        headers={"content-type": "text/html; charset=utf-8"},
        body=body,
        text=body.decode("utf-8"),
        charset="utf-8",
        charset_source="http",
        outcome=Outcome.OK,
        error=None,
        attempts=1,
        started_at=now,
        elapsed_s=0.001,
        wait_s=0.0,
        etag=None,
        last_modified=None,
        content_type="text/html; charset=utf-8",
        kind="article",
        meta={},
    )


def _batches(urls: list[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(urls), size):
        yield urls[start : start + size]


class _Timed:
    """Wraps a function to add up its wall time (to split the store stage into its parts)."""

    def __init__(self, fn: Callable[..., T]) -> None:
        self.fn, self.seconds = fn, 0.0

    def __call__(self, *args: object, **kwargs: object) -> object:
        started = time.perf_counter()
        try:
            return self.fn(*args, **kwargs)
        finally:
            self.seconds += time.perf_counter() - started


def _extract_store(root: str, urls: list[str], db: str, batch: int) -> dict[str, object]:
    """Extraction (the worker's function, in this process) and the batch writes, timed apart."""
    append = _Timed(batch_module.append_articles_in_transaction)
    batch_module.append_articles_in_transaction = append  # type: ignore[assignment]
    warehouse, settings, run_id = Warehouse(db), ScrapeSettings(), uuid.uuid4().hex
    from ingest.discover import DiscoveredURL

    with warehouse.transaction() as con:
        found = [DiscoveredURL(url=u, source="bench") for u in urls]
        add_urls(con, found, now=datetime.now(UTC), run_id=run_id)
    work(
        PageJob(
            url=urls[0], html="<p>warm up</p>", layout="spaced", source=None, fetch_id="x"
        )
    )
    extract_s = store_s = 0.0
    for chunk in _batches(urls, batch):
        bodies = [(Path(root) / urlsplit(u).path.lstrip("/")).read_bytes() for u in chunk]
        got = Collected(now=datetime.now(UTC))
        for url, body in zip(chunk, bodies, strict=True):
            result, fetch_id = _result(url, body), uuid.uuid4().hex
            started = time.perf_counter()
            job = PageJob(
                url=url,
                html=result.text or "",
                layout="spaced",
                source="bench",
                fetch_id=fetch_id,
            )
            page = work(job)
            extract_s += time.perf_counter() - started
            item = FrontierItem(url=url, domain=site_of(url), source="bench")
            record(got, item, result, page, run_id=run_id, settings=settings, fetch_id=fetch_id)
        started = time.perf_counter()
        write(warehouse, got, run_id=run_id, follow_links=None)
        store_s += time.perf_counter() - started
    return {
        "pages": len(urls),
        "extract_s": extract_s,
        "store_s": store_s,
        "store_append_articles_s": append.seconds,
    }


def _warm_up(workers: int) -> float:
    """Start the extraction processes before the clock starts, as the stage timings do; the
    start itself is reported apart (it is paid once per process, not per page)."""
    started = time.perf_counter()
    PageWorkers(workers).warm_up()
    return time.perf_counter() - started


async def _core(frontier: str, db: str, pages: int, workers: int, batch: int) -> dict[str, object]:
    settings = ScrapeSettings(
        fetch=_fetch_settings(64),  # type: ignore[arg-type]
        batch_size=batch,
        max_pages=pages,
        extract_workers=workers,
    )
    warm_s = _warm_up(workers)
    started = time.perf_counter()
    report = await run_scrape(Sources(urls_files=(frontier,)), settings, Warehouse(db))
    return {
        "wall_s": time.perf_counter() - started,
        "fetched": report.pages.fetched,
        "stored": report.pages.stored,
        "frontier_new": report.discovery.new,
        "discovery_s": report.discovery.elapsed_s,
        "discovery_errors": report.discovery.errors[:3],
        "warm_up_s": warm_s,
    }


def _flow(frontier: str, db: str, pages: int, batch: int) -> dict[str, object]:
    from prefect.testing.utilities import prefect_test_harness

    from flows.scrape import scrape
    from flows.scrape_params import LimitParams, SourceParams

    warm_s = _warm_up(ScrapeSettings().extract_workers)  # the flow's default, as in `core`
    with prefect_test_harness(server_startup_timeout=240):
        started = time.perf_counter()
        summary = asyncio.run(
            scrape(
                sources=SourceParams(urls_files=[frontier]),
                limits=LimitParams(concurrency=64, per_host=64, batch_size=batch, max_pages=pages),
                warehouse=db,
                allow_private_addresses=True,
                ignore_robots_for=["127.0.0.1"],
                forbidden_networks=[str(n) for n in loopback_settings().forbidden_networks],
            )
        )
        wall = time.perf_counter() - started
    return {
        "wall_s": wall,
        "fetched": summary["fetched"],
        "stored": summary["new"],
        "warm_up_s": warm_s,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("stage", choices=["fetch", "extract-store", "core", "flow"])
    parser.add_argument("--urls-file")
    parser.add_argument("--root")
    parser.add_argument("--frontier", help="URL-list file the scrape discovers from")
    parser.add_argument("--db")
    parser.add_argument("--pages", type=int, default=0)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--batch", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=64)
    a = parser.parse_args(argv)
    if a.stage == "fetch":
        out = asyncio.run(_fetch_only(_urls(a.urls_file), a.concurrency))
    elif a.stage == "extract-store":
        out = _extract_store(a.root, _urls(a.urls_file), a.db, a.batch)
    elif a.stage == "core":
        out = asyncio.run(_core(a.frontier, a.db, a.pages, a.workers, a.batch))
    else:
        out = _flow(a.frontier, a.db, a.pages, a.batch)
    print(json.dumps(out), flush=True)
    sys.exit(0)


if __name__ == "__main__":
    main()
