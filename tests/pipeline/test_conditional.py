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
    rows = sql("SELECT outcome, body_file IS NULL, count(*) FROM fetches GROUP BY ALL ORDER BY 1")
    assert rows == [("not_modified", True, 3), ("ok", False, 3)]
    assert sql("SELECT count(*) FROM articles") == [(3,)]
    states = sql("SELECT DISTINCT state, outcome FROM frontier")
    assert states == [("done", "not_modified")]


async def test_a_revisit_without_validators_counts_changed_and_unchanged_per_domain(
    warehouse, sql
) -> None:
    with LocalServer(hosts=("127.0.0.1", "127.0.0.3")) as server:
        pages = list(synthetic_pages(2, server.base_url))
        for page in pages:
            server.add(page.path, page.body)
        urls = (pages[0].url, server.url(pages[1].path, host="127.0.0.3"))
        settings = scrape_settings(revisit_after_s=0)
        first = await run_scrape(Sources(urls=urls), settings, warehouse)
        assert {d: s.new for d, s in first.pages.domains.items()} == {
            "127.0.0.1": 1,
            "127.0.0.3": 1,
        }
        title = pages[0].title.encode()
        server.add(pages[0].path, pages[0].body.replace(title, title + b" (updated)"))
        second = await run_scrape(Sources(), settings, warehouse)
    novelty = {d: (s.new, s.changed, s.unchanged) for d, s in second.pages.domains.items()}
    assert novelty == {"127.0.0.1": (0, 1, 0), "127.0.0.3": (0, 0, 1)}
    assert sql("SELECT count(*) FROM articles WHERE valid_to IS NULL") == [(2,)]
