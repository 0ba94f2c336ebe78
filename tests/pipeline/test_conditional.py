"""Revisiting stored pages: the stored validators go out, a 304 is `not_modified`, and nothing is
parsed or stored again."""

from __future__ import annotations

from urllib.parse import urlsplit

from ingest.pipeline import Sources, run_scrape
from ingest.testing import LocalServer
from ingest.testing.newsite import synthetic_pages
from tests.pipeline.conftest import scrape_settings


async def test_a_revisit_is_conditional_and_a_304_costs_no_parsing(
    local_server: LocalServer, warehouse, sql
) -> None:
    urls = []
    for n, page in enumerate(synthetic_pages(3, local_server.base_url)):
        validators = (
            {"ETag": f'"v{n}"'}
            if n % 2 == 0
            else {"Last-Modified": "Mon, 02 Jun 2025 08:00:00 GMT"}
        )
        urls.append(local_server.add(page.path, page.body, headers=validators))
    settings = scrape_settings(revisit_after_s=0)
    first = await run_scrape(Sources(urls=tuple(urls)), settings, warehouse)
    assert first.pages.totals.new == 3 and first.pages.fetched == 3  # due again, not this run
    local_server.clear_log()
    second = await run_scrape(Sources(), settings, warehouse)
    totals = second.pages.totals
    assert totals.outcomes == {"not_modified": 3}
    assert (totals.new, totals.changed, totals.unchanged) == (0, 0, 0)
    sent = {urlsplit(r.target).path: r.headers for r in local_server.requests}
    assert sent[urlsplit(urls[0]).path]["if-none-match"] == '"v0"'
    assert "if-modified-since" in sent[urlsplit(urls[1]).path]
    rows = sql("SELECT outcome, body IS NULL, count(*) FROM fetches GROUP BY ALL ORDER BY 1")
    assert rows == [("not_modified", True, 3), ("ok", False, 3)]
    assert sql("SELECT count(*) FROM articles") == [(3,)]
    states = sql("SELECT DISTINCT state, outcome FROM frontier")
    assert states == [("done", "not_modified")]
