"""What happens to URLs that do not become articles: each ends in the frontier with its outcome,
retryable ones come back in a later run, and final ones never do."""

from __future__ import annotations

from ingest.pipeline import ScrapeSettings, Sources, run_scrape
from ingest.testing import LocalServer
from tests.pipeline.conftest import scrape_settings

_HEADLINE_ONLY = "<html><head><title>Only a headline</title></head><body></body></html>"


def _frontier(sql) -> dict[str, tuple[object, ...]]:
    rows = sql("SELECT url, state, outcome, attempts, next_attempt_at FROM frontier")
    return {row[0]: row[1:] for row in rows}


async def test_each_failure_is_recorded_with_its_outcome_class(
    aliased_server: LocalServer, warehouse, sql
) -> None:
    server = aliased_server
    forbidden = server.url("/page", host="127.0.0.2")
    urls = {
        "missing": server.url("/_fault/status/404"),
        "unavailable": server.url("/_fault/status/503"),
        "binary": server.url("/_fault/binary"),
        "private": server.url(f"/_fault/redirect-to?url={forbidden}"),
        "headline": server.add("/headline-only", _HEADLINE_ONLY),
        "page": server.add("/page", "<html><body><article><p>Some words here.</p></article>"),
    }
    settings = scrape_settings(retry_failed_after_s=3600, max_attempts=3)
    report = await run_scrape(Sources(urls=tuple(urls.values())), settings, warehouse)
    frontier = _frontier(sql)
    expected = {
        "missing": ("failed", "http_error", 1, False),
        "unavailable": ("failed", "http_error", 1, True),
        "binary": ("failed", "unsupported_content_type", 1, False),
        "private": ("failed", "blocked_address", 1, False),
        "headline": ("failed", "no_content", 1, False),
        "page": ("done", "ok", 1, False),
    }
    for name, (state, outcome, attempts, retry) in expected.items():
        row = frontier[urls[name]]
        assert row[:3] == (state, outcome, attempts), name
        assert (row[3] is not None) == retry, name
    assert not any(r.local_host == "127.0.0.2" for r in server.requests)
    assert report.pages.failed == 5 and not report.ok
    assert {f.outcome for f in report.pages.failures} == {
        "http_error",
        "unsupported_content_type",
        "blocked_address",
        "no_content",
    }
    statuses = dict(sql("SELECT url, status FROM fetches"))
    assert statuses[urls["missing"]] == 404 and statuses[urls["unavailable"]] == 503


async def test_a_retryable_failure_comes_back_until_its_attempts_are_spent(
    local_server: LocalServer, warehouse, sql
) -> None:
    url = local_server.url("/_fault/status/503")
    settings: ScrapeSettings = scrape_settings(retry_failed_after_s=0, max_attempts=2)
    first = await run_scrape(Sources(urls=(url,)), settings, warehouse)
    assert first.pages.fetched == 1  # due again at once, yet not twice in one run
    assert _frontier(sql)[url][:3] == ("failed", "http_error", 1)
    second = await run_scrape(Sources(), settings, warehouse)
    assert second.pages.fetched == 1
    assert _frontier(sql)[url] == ("failed", "http_error", 2, None)
    third = await run_scrape(Sources(), settings, warehouse)
    assert third.pages.fetched == 0 and third.stopped == "no_work"
