"""The whole pipeline on the demo news site: real server, real warehouse, no Prefect.

One scrape of the site (feeds, robots.txt sitemaps, front pages, links followed two deep) is
shared by the tests of this module; each looks at a different part of what it left.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import duckdb
import pytest

from ingest.discover import LinkFollowPolicy
from ingest.pipeline import Progress, ScrapeReport, Sources, run_scrape
from ingest.testing import LocalServer
from ingest.testing.newsite import DemoSite, build_site
from storage.warehouse import Warehouse
from tests.pipeline.conftest import scrape_settings


@dataclass
class Scraped:
    site: DemoSite
    server: LocalServer
    warehouse: Warehouse
    report: ScrapeReport
    events: list[Progress]

    def sql(self, query: str, *params: object) -> list[tuple[object, ...]]:
        con = duckdb.connect(str(self.warehouse.path), read_only=True)
        try:
            return con.execute(query, list(params)).fetchall()
        finally:
            con.close()


def _sources(demo: DemoSite) -> Sources:
    # Publication pages only: the real pages' own links lead to paths the demo never serves.
    pattern = rf"^{re.escape(demo.base_url)}/(courier|ledger|private)/"
    return Sources(
        feeds=demo.feeds,
        robots_sitemaps=(demo.base_url,),
        urls=demo.front_pages,
        follow_links=LinkFollowPolicy(max_depth=2, max_pages=300, include=(pattern,)),
    )


@pytest.fixture(scope="module")
def scraped(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Scraped]:
    with LocalServer() as server:
        site = build_site(server.base_url, n_sites=2, extra_pages=3)
        server.add_many(site.routes)
        warehouse = Warehouse(Path(tmp_path_factory.mktemp("demo")) / "wh.duckdb")
        events: list[Progress] = []
        report = asyncio.run(
            run_scrape(_sources(site), scrape_settings(), warehouse, on_progress=events.append)
        )
        yield Scraped(site, server, warehouse, report, events)


def test_every_article_is_stored_once(scraped: Scraped) -> None:
    stored = dict(scraped.sql("SELECT url, count(*) FROM articles GROUP BY url"))
    assert {a.url for a in scraped.site.articles} <= set(stored)
    assert set(stored.values()) == {1}
    titles = dict(scraped.sql("SELECT url, title FROM articles"))
    for article in scraped.site.articles:
        if article.origin.startswith("seed:"):
            assert titles[article.url] == article.title
    rows, ids = scraped.sql("SELECT count(*), count(DISTINCT id) FROM articles")[0]
    totals = scraped.report.pages.totals
    assert totals.new == rows == ids
    assert scraped.report.pages.stored == totals.new + totals.unchanged
    assert scraped.report.stopped == "no_work" and scraped.report.discovery.new > 0
    # The run's end derived duplicate marks and search postings of every stored article.
    indexed = scraped.sql("SELECT count(*) FROM search_docs WHERE live")[0][0]
    assert indexed == rows


def test_progress_events_add_up_to_the_report(scraped: Scraped) -> None:
    assert sum(e.fetched for e in scraped.events) == scraped.report.pages.fetched
    assert sum(e.stored for e in scraped.events) == scraped.report.pages.stored
    assert sum(e.failed for e in scraped.events) == scraped.report.pages.failed


def test_every_ok_page_keeps_its_raw_body_in_a_parquet_file(scraped: Scraped) -> None:
    rows = scraped.sql(
        "SELECT count(*), count(body_file), count(body), count(article_id) FROM fetches "
        "WHERE kind = 'article' AND outcome = 'ok'"
    )
    total, with_file, in_table, with_article = rows[0]
    assert total == with_file and in_table == 0
    assert with_article == scraped.report.pages.stored
    # The files are plain Parquet: SQL joins them back to their fetch rows byte for byte.
    folder = scraped.warehouse.bodies
    joined = scraped.sql(
        f"SELECT count(*), sum(octet_length(b.body)) = sum(f.bytes) FROM fetches f "
        f"JOIN read_parquet('{folder}/*/*.parquet', hive_partitioning = true) b "
        "USING (fetch_id)"
    )
    assert joined == [(total, True)]


def test_broken_urls_end_failed_with_their_outcome(scraped: Scraped) -> None:
    frontier = {
        url: (state, outcome)
        for url, state, outcome in scraped.sql("SELECT url, state, outcome FROM frontier")
    }
    withdrawn, json_page, _pdf = scraped.site.broken
    assert frontier[withdrawn] == ("failed", "http_error")
    assert frontier[json_page] == ("failed", "unsupported_content_type")
    private = next(u for u in frontier if urlsplit(u).path.startswith("/private/"))
    assert frontier[private] == ("failed", "robots_disallowed")
    assert not scraped.report.ok and scraped.report.pages.failed >= 3
    fetched = scraped.sql("SELECT status, error FROM fetches WHERE url = ?", withdrawn)
    assert fetched == [(404, f"{withdrawn}: HTTP status 404")]


async def test_a_second_run_fetches_no_stored_page_again(scraped: Scraped) -> None:
    rows_before = scraped.sql("SELECT count(*) FROM articles")[0][0]
    scraped.server.clear_log()
    again = await run_scrape(_sources(scraped.site), scrape_settings(), scraped.warehouse)
    article_paths = {urlsplit(a.url).path for a in scraped.site.articles}
    requested = {urlsplit(r.target).path for r in scraped.server.requests}
    assert requested and not (requested & article_paths)
    assert again.pages.fetched == 0 and again.discovery.new == 0
    assert scraped.sql("SELECT count(*) FROM articles")[0][0] == rows_before
