"""Batches overlap: batch N is written while batch N+1 is fetched and extracted. Every URL is
still fetched once and written once, and links found by the last batch still get fetched."""

from __future__ import annotations

from collections import Counter

from ingest.discover import LinkFollowPolicy
from ingest.pipeline import Sources, run_scrape
from ingest.testing import LocalServer
from ingest.testing.newsite import synthetic_pages
from tests.pipeline.conftest import scrape_settings


async def test_overlapping_batches_fetch_and_write_each_url_once(
    local_server: LocalServer, warehouse, sql
) -> None:
    urls = tuple(
        local_server.add(p.path, p.body) for p in synthetic_pages(11, local_server.base_url)
    )
    # One real extraction process, so that fetching really goes on while a batch is written.
    settings = scrape_settings(batch_size=2, extract_workers=1)
    report = await run_scrape(Sources(urls=urls), settings, warehouse)
    assert (report.pages.fetched, report.pages.batches, report.stopped) == (11, 6, "no_work")
    asked = Counter(r.target for r in local_server.requests if r.target != "/robots.txt")
    assert len(asked) == 11 and set(asked.values()) == {1}
    assert sql("SELECT count(DISTINCT url), count(*) FROM fetches WHERE body_file IS NOT NULL") == [
        (11, 11)
    ]
    assert sql("SELECT count(DISTINCT id), count(*) FROM articles") == [(11, 11)]
    assert sql("SELECT state, count(*) FROM frontier GROUP BY state") == [("done", 11)]
    again = await run_scrape(Sources(urls=urls), settings, warehouse)
    assert (again.pages.fetched, again.stopped) == (0, "no_work")


async def test_links_found_by_the_last_batch_are_fetched(
    local_server: LocalServer, warehouse, sql
) -> None:
    # A chain: each page links to the next, so only the batch just written ever has new work.
    bodies = [p.body for p in synthetic_pages(4, local_server.base_url)]
    urls = []
    for i, body in enumerate(bodies):
        link = f'<a href="/chain/page-{i + 1}">next</a></body>'.encode()
        urls.append(local_server.add(f"/chain/page-{i}", body.replace(b"</body>", link, 1)))
    policy = LinkFollowPolicy(max_depth=10, max_pages=10, include=(r"/chain/page-[0-3]$",))
    report = await run_scrape(
        Sources(urls=(urls[0],), follow_links=policy), scrape_settings(batch_size=2), warehouse
    )
    assert (report.pages.fetched, report.pages.batches, report.stopped) == (4, 4, "no_work")
    assert [local_server.hits(f"/chain/page-{i}") for i in range(5)] == [1, 1, 1, 1, 0]
    assert sql("SELECT count(*) FROM articles") == [(4,)]
