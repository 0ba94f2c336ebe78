"""The whole pipeline on the demo news site: real server, real warehouse, no Prefect."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from ingest.discover import LinkFollowPolicy
from ingest.pipeline import Progress, Sources, run_scrape
from ingest.testing import LocalServer
from ingest.testing.newsite import DemoSite
from tests.pipeline.conftest import scrape_settings


def _sources(demo: DemoSite) -> Sources:
    return Sources(
        feeds=demo.feeds,
        robots_sitemaps=(demo.base_url,),
        urls=demo.front_pages,
        # Publication pages only: the real pages' own links lead to paths the demo never serves.
        follow_links=LinkFollowPolicy(
            max_depth=2,
            max_pages=300,
            include=(rf"^{re.escape(demo.base_url)}/(courier|ledger|private)/",),
        ),
    )


async def test_demo_site_gives_every_article_once(demo: DemoSite, warehouse, sql) -> None:
    events: list[Progress] = []
    report = await run_scrape(
        _sources(demo), scrape_settings(), warehouse, on_progress=events.append
    )
    stored = dict(sql("SELECT url, count(*) FROM articles GROUP BY url"))
    assert {a.url for a in demo.articles} <= set(stored)
    assert set(stored.values()) == {1}
    titles = dict(sql("SELECT url, title FROM articles"))
    for article in demo.articles:
        if article.origin.startswith("seed:"):
            assert titles[article.url] == article.title
    ids = sql("SELECT count(*), count(DISTINCT id) FROM articles")[0]
    assert report.pages.totals.new == ids[0] == ids[1]
    assert report.pages.stored == report.pages.totals.new + report.pages.totals.unchanged
    assert report.stopped == "no_work" and report.discovery.new > 0
    assert sum(e.fetched for e in events) == report.pages.fetched
    assert sum(e.stored for e in events) == report.pages.stored


async def test_broken_urls_end_failed_with_their_outcome(demo: DemoSite, warehouse, sql) -> None:
    report = await run_scrape(_sources(demo), scrape_settings(), warehouse)
    frontier = {
        url: (state, outcome)
        for url, state, outcome in sql("SELECT url, state, outcome FROM frontier")
    }
    withdrawn, json_page, _pdf = demo.broken
    assert frontier[withdrawn] == ("failed", "http_error")
    assert frontier[json_page] == ("failed", "unsupported_content_type")
    private = next(u for u in frontier if urlsplit(u).path.startswith("/private/"))
    assert frontier[private][1] == "robots_disallowed"
    assert not report.ok and report.pages.failed >= 3
    fetched = sql("SELECT status, error FROM fetches WHERE url = ?", withdrawn)
    assert fetched == [(404, f"{withdrawn}: HTTP status 404")]


async def test_a_second_run_fetches_no_stored_page_again(
    demo: DemoSite, warehouse, sql, local_server: LocalServer
) -> None:
    await run_scrape(_sources(demo), scrape_settings(), warehouse)
    rows_before = sql("SELECT count(*) FROM articles")[0][0]
    local_server.clear_log()
    again = await run_scrape(_sources(demo), scrape_settings(), warehouse)
    article_paths = {urlsplit(a.url).path for a in demo.articles}
    requested = {urlsplit(r.target).path for r in local_server.requests}
    assert requested and not (requested & article_paths)
    assert again.pages.fetched == 0 and again.discovery.new == 0
    assert sql("SELECT count(*) FROM articles")[0][0] == rows_before
