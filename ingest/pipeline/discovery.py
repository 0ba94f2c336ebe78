"""Discovery into the frontier: URL lists, feeds, sitemaps (indexes followed) and robots.txt.

Documents are fetched with the run's fetcher (its bounds and guards), parsed by `ingest.discover`
and written a document at a time, so a 50,000-URL sitemap never waits for the next one.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

from ingest.discover import (
    DiscoveredURL,
    DiscoveryError,
    Rejected,
    parse_feed,
    parse_sitemap,
    parse_url_list,
)
from ingest.fetch import Fetcher, FetchRequest, FetchResult
from ingest.pipeline._collect import fetch_row
from ingest.pipeline.report import DiscoveryReport
from ingest.pipeline.settings import Sources
from ingest.urls import InvalidURL, canonicalize_url, site_of
from storage.fetches import FetchRow, insert_fetches
from storage.frontier import add_urls
from storage.warehouse import Warehouse

DEFAULT_MAX_SITEMAPS = 500


_FLUSH_URLS = 20_000  # URLs held before a write; a sitemap holds at most 50,000 anyway


def _store(
    warehouse: Warehouse, found: list[DiscoveredURL], fetches: list[FetchRow], run_id: str
) -> int:
    """One short transaction: documents' fetch rows and their URLs; returns the new URLs."""
    with warehouse.transaction() as con:
        insert_fetches(con, fetches)
        return add_urls(con, found, now=datetime.now(UTC), run_id=run_id)


def _fetch_row(result: FetchResult, run_id: str) -> FetchRow:
    """A discovery document's fetch, recorded without its body (it is not an article)."""
    return fetch_row(
        result, run_id=run_id, url=result.requested_url, domain=_site(result.requested_url)
    )


def _site(url: str) -> str | None:
    try:
        return site_of(url)
    except InvalidURL:
        return None


class _Discovery:
    """One discovery pass: its report, and the writes it makes as documents arrive."""

    def __init__(self, fetcher: Fetcher, warehouse: Warehouse, run_id: str) -> None:
        self.fetcher, self.warehouse, self.run_id = fetcher, warehouse, run_id
        self.report = DiscoveryReport()
        self._found: list[DiscoveredURL] = []
        self._fetches: list[FetchRow] = []

    def reject(self, rejected: Rejected) -> None:
        self.report.rejected += 1
        self.report.error(f"{rejected.document}: skipped {rejected.value!r}: {rejected.reason}")

    async def store(self, found: list[DiscoveredURL], fetch: FetchRow | None = None) -> None:
        """Queue URLs (and the fetch row of their document); written in few transactions."""
        self.report.found += len(found)
        self._found.extend(found)
        if fetch is not None:
            self._fetches.append(fetch)
        if len(self._found) >= _FLUSH_URLS:
            await self.flush()

    async def flush(self) -> None:
        if self._found or self._fetches:
            args = (self.warehouse, self._found, self._fetches, self.run_id)
            self._found, self._fetches = [], []
            self.report.new += await asyncio.to_thread(_store, *args)

    def failed(self, url: str, reason: str) -> None:
        self.report.documents_failed += 1
        self.report.error(f"{url}: {reason}")

    async def listed(self, urls: Iterable[str], files: Iterable[str]) -> None:
        found: dict[str, DiscoveredURL] = {}
        for number, raw in enumerate(urls, start=1):
            try:
                url = canonicalize_url(raw)
            except InvalidURL as exc:
                self.reject(Rejected(raw, f"argument {number}", exc.reason))
                continue
            found.setdefault(url, DiscoveredURL(url=url, source="list"))
        for name in files:
            try:
                text = Path(name).read_text(encoding="utf-8", errors="replace")
            except OSError as exc:
                self.failed(name, f"cannot read the URL list: {exc.strerror or exc}")
                continue
            self.report.documents += 1
            for url in parse_url_list(text, on_reject=self.reject):
                found.setdefault(url, DiscoveredURL(url=url, source=f"list:{Path(name).name}"))
        if found:
            await self.store(list(found.values()))

    async def fetched(self, urls: Iterable[str], kind: str) -> list[FetchResult]:
        """Fetch discovery documents concurrently; failures are recorded and left out."""
        requests = [FetchRequest(u, kind=kind) for u in urls]  # type: ignore[arg-type]
        results: list[FetchResult] = []
        async for result in self.fetcher.fetch_many(requests):
            if result.ok:
                self.report.documents += 1
                results.append(result)
            else:
                self.failed(result.requested_url, f"{result.outcome.value}: {result.error}")
                await self.store([], _fetch_row(result, self.run_id))
        return results

    async def feeds(self, urls: Iterable[str]) -> None:
        for result in await self.fetched(urls, "feed"):
            try:
                found = parse_feed(result.body, result.final_url, on_reject=self.reject)
            except DiscoveryError as exc:
                self.failed(result.requested_url, exc.reason)
                found = []
            await self.store(found, _fetch_row(result, self.run_id))

    async def sitemaps(self, roots: Iterable[str], limit: int) -> None:
        """Sitemaps and the indexes' children, breadth first, each document once, `limit` in all."""
        seen: set[str] = set()
        level = [u for u in dict.fromkeys(roots)]
        while level and len(seen) < limit:
            level = [u for u in level if u not in seen][: limit - len(seen)]
            seen.update(level)
            children: list[str] = []
            for result in await self.fetched(level, "sitemap"):
                try:
                    page = parse_sitemap(result.body, result.final_url, on_reject=self.reject)
                except DiscoveryError as exc:
                    self.failed(result.requested_url, exc.reason)
                    await self.store([], _fetch_row(result, self.run_id))
                    continue
                children.extend(page.sitemaps)
                await self.store(page.urls, _fetch_row(result, self.run_id))
            level = children
        if level:
            self.report.error(f"sitemap limit of {limit} documents reached; the rest not read")

    async def robots(self, roots: Iterable[str]) -> list[str]:
        found: list[str] = []
        for root in roots:
            try:
                found.extend(await self.fetcher.robots_sitemaps(canonicalize_url(root)))
            except (InvalidURL, ValueError) as exc:
                self.failed(root, f"not a usable site root: {exc}")
        return found


async def discover(
    sources: Sources,
    *,
    fetcher: Fetcher,
    warehouse: Warehouse,
    run_id: str,
    max_sitemaps: int = DEFAULT_MAX_SITEMAPS,
) -> DiscoveryReport:
    """Read every source and add the URLs found to the frontier (known URLs stay as they are)."""
    started = time.perf_counter()
    run = _Discovery(fetcher, warehouse, run_id)
    await run.listed(sources.urls, sources.urls_files)
    await run.feeds(sources.feeds)
    robots = await run.robots(sources.robots_sitemaps)
    await run.sitemaps([*sources.sitemaps, *robots], max_sitemaps)
    await run.flush()
    run.report.elapsed_s = time.perf_counter() - started
    return run.report
