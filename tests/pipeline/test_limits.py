"""A run's limits: `max_pages` across batches, and a time budget checked between batches; what
a run leaves undone stays due for the next one."""

from __future__ import annotations

from ingest.pipeline import Sources, run_scrape
from ingest.testing import LocalServer
from ingest.testing.newsite import synthetic_pages
from tests.pipeline.conftest import scrape_settings


def _pages(server: LocalServer, n: int) -> tuple[str, ...]:
    return tuple(server.add(p.path, p.body) for p in synthetic_pages(n, server.base_url))


async def test_max_pages_spans_batches_and_the_rest_waits(
    local_server: LocalServer, warehouse, sql
) -> None:
    urls = _pages(local_server, 7)
    settings = scrape_settings(batch_size=3, max_pages=5)
    first = await run_scrape(Sources(urls=urls), settings, warehouse)
    assert (first.pages.fetched, first.pages.batches, first.stopped) == (5, 2, "max_pages")
    assert sum(r.target != "/robots.txt" for r in local_server.requests) == 5
    rest = await run_scrape(Sources(urls=urls), settings, warehouse)
    assert (rest.pages.fetched, rest.stopped) == (2, "no_work")
    assert sql("SELECT count(DISTINCT id), count(*) FROM articles") == [(7, 7)]


async def test_a_spent_time_budget_starts_no_batch(local_server: LocalServer, warehouse) -> None:
    urls = _pages(local_server, 2)
    report = await run_scrape(Sources(urls=urls), scrape_settings(time_budget_s=0), warehouse)
    assert (report.pages.fetched, report.stopped, report.discovery.new) == (0, "time_budget", 2)
    assert local_server.requests == []
