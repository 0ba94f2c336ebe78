"""One measurement of the scrape benchmark, run in its own process: prints one JSON line.

Stages: `fetch` (fetch only, repeated), `extract-store` (extraction from memory, then the batch
writes, timed apart), `core` (run_scrape end to end), `pairs` (run_scrape and the Prefect
`scrape` flow in turn, in one process with one Prefect API, each on a fresh warehouse).
Wall times come with the CPU time of the process tree (extraction processes included).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

import psutil

from ingest.fetch import Fetcher, FetchResult, Outcome
from ingest.pipeline import DiscoveryReport, ScrapeSettings, Sources, Steps, run_scrape
from ingest.pipeline._collect import Collected, record
from ingest.pipeline._pool import PageWorkers
from ingest.pipeline._work import PageJob, work
from ingest.pipeline.batch import write
from ingest.pipeline.settings import REFRESH_CHUNK
from ingest.testing import loopback_settings
from ingest.urls import site_of
from storage.derived import refresh_warehouse
from storage.frontier import FrontierItem, add_urls
from storage.warehouse import Warehouse


def _fetch_settings(concurrency: int) -> object:
    return loopback_settings(concurrency=concurrency, per_host=concurrency, respect_robots=False)


def _urls(path: str) -> list[str]:
    return Path(path).read_text().split()


def tree_cpu_s() -> float:
    """User + system CPU seconds of this process and every process below it so far."""
    me = psutil.Process()
    total = 0.0
    for process in [me, *me.children(recursive=True)]:
        try:
            times = process.cpu_times()
        except psutil.Error:
            continue
        total += times.user + times.system
    return total


async def _fetch_once(urls: list[str], concurrency: int) -> dict[str, object]:
    ok, failures = 0, Counter[str]()
    started, cpu = time.perf_counter(), time.process_time()
    async with Fetcher(_fetch_settings(concurrency)) as fetcher:  # type: ignore[arg-type]
        async for result in fetcher.fetch_many(urls):
            ok += result.ok
            if not result.ok:
                failures[f"{result.outcome.value} {result.status or ''}".strip()] += 1
    return {
        "ok": ok,
        "wall_s": time.perf_counter() - started,
        "cpu_s": time.process_time() - cpu,
        "failures": dict(failures),
    }


async def _fetch_only(urls: list[str], concurrency: int, repeats: int) -> dict[str, object]:
    runs = [await _fetch_once(urls, concurrency) for _ in range(repeats)]
    return {"pages": len(urls), "runs": runs}


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


def _extract_store(root: str, urls: list[str], db: str, batch: int) -> dict[str, object]:
    """Extraction (the worker's function, in this process) and the batch writes, timed apart."""
    warehouse, settings, run_id = Warehouse(db), ScrapeSettings(), uuid.uuid4().hex
    from ingest.discover import DiscoveredURL

    with warehouse.transaction() as con:
        found = [DiscoveredURL(url=u, source="bench") for u in urls]
        add_urls(con, found, now=datetime.now(UTC), run_id=run_id)
    work(PageJob(url=urls[0], html="<p>warm up</p>", layout="spaced", source=None, fetch_id="x"))
    extract_s = store_s = extract_cpu = store_cpu = 0.0
    for chunk in _batches(urls, batch):
        bodies = [(Path(root) / urlsplit(u).path.lstrip("/")).read_bytes() for u in chunk]
        got = Collected(now=datetime.now(UTC))
        for url, body in zip(chunk, bodies, strict=True):
            result, fetch_id = _result(url, body), uuid.uuid4().hex
            started, cpu = time.perf_counter(), time.process_time()
            job = PageJob(
                url=url,
                html=result.text or "",
                layout="spaced",
                source="bench",
                fetch_id=fetch_id,
            )
            page = work(job)
            extract_s += time.perf_counter() - started
            extract_cpu += time.process_time() - cpu
            item = FrontierItem(url=url, domain=site_of(url), source="bench")
            record(got, item, result, page, run_id=run_id, settings=settings, fetch_id=fetch_id)
        started, cpu = time.perf_counter(), time.process_time()
        write(warehouse, got, run_id=run_id, follow_links=None)
        store_s += time.perf_counter() - started
        store_cpu += time.process_time() - cpu  # DuckDB's own threads included
    # A run ends by deriving duplicate marks and search postings: part of storing its pages.
    started, cpu = time.perf_counter(), time.process_time()
    refresh_warehouse(warehouse, chunk=REFRESH_CHUNK)
    refresh_s, refresh_cpu = time.perf_counter() - started, time.process_time() - cpu
    store_s, store_cpu = store_s + refresh_s, store_cpu + refresh_cpu
    return {
        "store_refresh_s": refresh_s,
        "pages": len(urls),
        "extract_s": extract_s,
        "store_s": store_s,
        "extract_cpu_s": extract_cpu,
        "store_cpu_s": store_cpu,
    }


def _warm_up(workers: int) -> float:
    """Start the extraction processes before the clock starts, as the stage timings do; the
    start itself is reported apart (it is paid once per process, not per page)."""
    started = time.perf_counter()
    PageWorkers(workers).warm_up()
    return time.perf_counter() - started


class _DiscoveryCPU(Steps):
    """Plain steps that note the CPU time discovery took (to leave it out of per-page CPU)."""

    cpu_s = 0.0

    async def discover(self, step: Callable[[], Awaitable[DiscoveryReport]]) -> DiscoveryReport:
        before = tree_cpu_s()
        try:
            return await step()
        finally:
            self.cpu_s = tree_cpu_s() - before


async def _core(frontier: str, db: str, pages: int, workers: int, batch: int) -> dict[str, object]:
    settings = ScrapeSettings(
        fetch=_fetch_settings(64),  # type: ignore[arg-type]
        batch_size=batch,
        max_pages=pages,
        extract_workers=workers,
    )
    warm_s = _warm_up(workers)
    steps = _DiscoveryCPU()
    started, cpu = time.perf_counter(), tree_cpu_s()
    report = await run_scrape(Sources(urls_files=(frontier,)), settings, Warehouse(db), steps=steps)
    return {
        "kind": "core",
        "wall_s": time.perf_counter() - started,
        "cpu_s": tree_cpu_s() - cpu,
        "discovery_cpu_s": steps.cpu_s,
        "fetched": report.pages.fetched,
        "stored": report.pages.stored,
        "frontier_new": report.discovery.new,
        "discovery_s": report.discovery.elapsed_s,
        "discovery_errors": report.discovery.errors[:3],
        "warm_up_s": warm_s,
    }


def _flow_once(frontier: str, db: str, pages: int, batch: int) -> dict[str, object]:
    from flows.scrape import scrape
    from flows.scrape_params import LimitParams, SourceParams

    started, cpu = time.perf_counter(), tree_cpu_s()  # the Prefect API server's CPU included
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
    return {
        "kind": "flow",
        "wall_s": time.perf_counter() - started,
        "cpu_s": tree_cpu_s() - cpu,
        "fetched": summary["fetched"],
        "stored": summary["new"],
        "discovery_s": summary["discovery_s"],
    }


def _pairs(frontier: str, folder: str, pages: int, batch: int, repeats: int) -> dict[str, object]:
    """The core run and the flow run in turn, `repeats` times, the order swapped every time
    (core-flow, flow-core, ...), so that a change of load hits both alike; one process, one
    Prefect API started before any clock, the extraction processes warm for both."""
    from prefect.testing.utilities import prefect_test_harness

    workers = ScrapeSettings().extract_workers  # the flow's default, used by both
    warm_s = _warm_up(workers)
    runs: list[dict[str, object]] = []
    with prefect_test_harness(server_startup_timeout=240):
        _flow_once(frontier, str(Path(folder) / "warm.duckdb"), min(pages, 50), batch)
        for i in range(repeats):
            order = ("core", "flow") if i % 2 == 0 else ("flow", "core")
            for kind in order:
                db = str(Path(folder) / f"{kind}-{i}.duckdb")
                if kind == "core":
                    run = asyncio.run(_core(frontier, db, pages, workers, batch))
                else:
                    run = _flow_once(frontier, db, pages, batch)
                run["pair"], run["load_1min"] = i, os.getloadavg()[0]
                runs.append(run)
                print(json.dumps(run), file=sys.stderr, flush=True)
    return {"runs": runs, "warm_up_s": warm_s}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("stage", choices=["fetch", "extract-store", "core", "pairs"])
    parser.add_argument("--urls-file")
    parser.add_argument("--root")
    parser.add_argument("--frontier", help="URL-list file the scrape discovers from")
    parser.add_argument("--db")
    parser.add_argument("--pages", type=int, default=0)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--batch", type=int, default=ScrapeSettings().batch_size)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--folder", help="where the pairs stage puts its warehouses")
    a = parser.parse_args(argv)
    if a.stage == "fetch":
        out = asyncio.run(_fetch_only(_urls(a.urls_file), a.concurrency, a.repeats))
    elif a.stage == "extract-store":
        out = _extract_store(a.root, _urls(a.urls_file), a.db, a.batch)
    elif a.stage == "core":
        out = asyncio.run(_core(a.frontier, a.db, a.pages, a.workers, a.batch))
    else:
        out = _pairs(a.frontier, a.folder, a.pages, a.batch, a.repeats)
    print(json.dumps(out), flush=True)
    sys.exit(0)


if __name__ == "__main__":
    main()
