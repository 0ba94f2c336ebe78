"""robots.txt: fetched once per host, obeyed, Crawl-delay applied, failures handled."""

from __future__ import annotations

import asyncio

from ingest.fetch import Fetcher, Outcome
from ingest.testing import LocalServer

ROBOTS = "User-agent: *\nDisallow: /private\nCrawl-delay: 0.05\nSitemap: {base}/sitemap.xml\n"


def serve_site(server: LocalServer, robots: str | None, status: int = 200) -> None:
    if robots is not None:
        server.add("/robots.txt", robots, content_type="text/plain", status=status)
    server.add_many({f"/news/{n}": f"<p>story {n}</p>" for n in range(6)})
    server.add("/private/memo", "<p>memo</p>")


async def test_robots_is_fetched_once_and_obeyed(local_server: LocalServer, make_settings):
    serve_site(local_server, ROBOTS.format(base=local_server.base_url))
    urls = [local_server.url(f"/news/{n}") for n in range(6)] + [local_server.url("/private/memo")]
    async with Fetcher(make_settings(respect_robots=True)) as fetcher:
        results = {r.requested_url: r async for r in fetcher.fetch_many(urls)}
        sitemaps = await fetcher.robots_sitemaps(local_server.url("/anything"))
        delay = fetcher.host_delay(local_server.base_url)
    assert results[urls[-1]].outcome is Outcome.ROBOTS_DISALLOWED
    assert all(results[u].outcome is Outcome.OK for u in urls[:-1])
    assert local_server.hits("/robots.txt") == 1 and local_server.hits("/private/memo") == 0
    assert sitemaps == (f"{local_server.base_url}/sitemap.xml",)
    assert delay == 0.05  # Crawl-delay raised the host's floor


async def test_missing_robots_allows_everything(local_server: LocalServer, make_settings):
    serve_site(local_server, None)  # /robots.txt answers 404
    async with Fetcher(make_settings(respect_robots=True)) as fetcher:
        result = await fetcher.fetch(local_server.url("/private/memo"))
        assert await fetcher.robots_sitemaps(local_server.base_url) == ()
    assert result.outcome is Outcome.OK


async def test_failing_robots_disallows_the_host(local_server: LocalServer, make_settings):
    serve_site(local_server, "oops", status=503)
    async with Fetcher(make_settings(respect_robots=True)) as fetcher:
        result = await fetcher.fetch(local_server.url("/news/1"))
    assert result.outcome is Outcome.ROBOTS_DISALLOWED
    assert local_server.hits("/news/1") == 0
    assert local_server.hits("/robots.txt") == 3  # retried like any 503, then given up


async def test_ignore_robots_for_named_hosts(local_server: LocalServer, make_settings):
    serve_site(local_server, "User-agent: *\nDisallow: /\n")
    settings = make_settings(respect_robots=True, ignore_robots_for=frozenset({"127.0.0.1"}))
    async with Fetcher(settings) as fetcher:
        result = await fetcher.fetch(local_server.url("/private/memo"))
    assert result.outcome is Outcome.OK and local_server.hits("/robots.txt") == 0


async def test_robots_rules_for_our_agent(local_server: LocalServer, make_settings):
    robots = "User-agent: newsdesk\nDisallow: /news/\n\nUser-agent: *\nAllow: /\n"
    serve_site(local_server, robots)
    async with Fetcher(make_settings(respect_robots=True)) as fetcher:
        ours, other = await asyncio.gather(
            fetcher.fetch(local_server.url("/news/1")),
            fetcher.fetch(local_server.url("/private/memo")),
        )
    assert ours.outcome is Outcome.ROBOTS_DISALLOWED and other.outcome is Outcome.OK
