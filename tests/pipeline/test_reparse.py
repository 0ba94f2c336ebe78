"""Re-parsing stored fetches: no network at all (the server is stopped first), a new article
version only where the text changed, and the parser version on every row."""

from __future__ import annotations

import duckdb

from ingest.normalize import PARSER_VERSION
from ingest.pipeline import Sources, reparse_all, run_scrape
from ingest.testing import LocalServer
from ingest.testing.newsite import build_site
from storage.fetches import compress_body, decompress_body
from tests.pipeline.conftest import scrape_settings


async def _scrape_then_stop(warehouse) -> int:
    with LocalServer() as server:
        site = build_site(server.base_url, n_sites=1, extra_pages=2)
        server.add_many(site.routes)
        report = await run_scrape(Sources(feeds=site.feeds), scrape_settings(), warehouse)
    return report.pages.totals.new


def _edit_one_body(path: str) -> str:
    """Change one stored page the way a site would (a sentence rewritten); returns its URL."""
    con = duckdb.connect(path)
    try:
        fetch_id, url, body = con.execute(
            "SELECT fetch_id, url, body FROM fetches WHERE article_id IS NOT NULL "
            "ORDER BY url LIMIT 1"
        ).fetchone()
        html = decompress_body(body).decode()
        paragraph = html.index("<p>") + len("<p>")
        edited = html[:paragraph] + "A sentence the editor added. " + html[paragraph:]
        con.execute(
            "UPDATE fetches SET body = ? WHERE fetch_id = ?",
            [compress_body(edited.encode()), fetch_id],
        )
    finally:
        con.close()
    return url


async def test_reparse_needs_no_network_and_versions_only_changed_texts(warehouse, sql) -> None:
    stored = await _scrape_then_stop(warehouse)
    assert stored > 0
    first = reparse_all(warehouse, batch_size=3, workers=0)
    assert (first.pages, first.unchanged, first.new, first.changed) == (stored, stored, 0, 0)
    edited = _edit_one_body(str(warehouse.path))
    second = reparse_all(warehouse, batch_size=3, workers=0)
    assert (second.pages, second.changed, second.unchanged) == (stored, 1, stored - 1)
    versions = sql("SELECT url, max(version) FROM articles GROUP BY url")
    assert {url: v for url, v in versions if v > 1} == {edited: 2}
    current = sql("SELECT text FROM articles WHERE url = ? AND valid_to IS NULL", edited)
    assert "A sentence the editor added." in current[0][0]
    assert sql("SELECT DISTINCT parser_version FROM articles") == [(PARSER_VERSION,)]
    runs = sql("SELECT kind, status FROM runs WHERE kind = 'reparse'")
    assert runs == [("reparse", "completed")] * 2


async def test_reparse_in_worker_processes_gives_the_same_articles(warehouse, sql) -> None:
    stored = await _scrape_then_stop(warehouse)
    report = reparse_all(warehouse, workers=1)
    assert (report.pages, report.unchanged, report.failed) == (stored, stored, 0)
