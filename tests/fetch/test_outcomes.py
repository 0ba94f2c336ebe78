"""Every outcome class, produced by a real fault on the local server."""

from __future__ import annotations

import pytest

from ingest.fetch import Fetcher, FetchRequest, Outcome, RetryPolicy, Timeouts
from ingest.testing import LocalServer

ONE_TRY = RetryPolicy(max_attempts=1)


async def fetch_one(settings, url: str | FetchRequest):
    async with Fetcher(settings) as fetcher:
        return await fetcher.fetch(url)


async def test_ok_carries_provenance_and_decoded_text(local_server: LocalServer, make_settings):
    url = local_server.add("/a", "<p>héllo</p>", headers={"ETag": '"v1"'})
    result = await fetch_one(make_settings(), FetchRequest(url, meta={"feed": "Front page"}))
    assert result.outcome is Outcome.OK and result.ok and result.error is None
    assert (result.status, result.body, result.text) == (
        200,
        "<p>héllo</p>".encode(),
        "<p>héllo</p>",
    )
    assert result.requested_url == result.final_url == url and result.redirects == ()
    assert result.headers["content-type"] == "text/html; charset=utf-8"
    assert result.etag == '"v1"' and result.meta == {"feed": "Front page"}
    assert result.attempts == 1 and result.kind == "article"
    assert result.started_at.tzinfo is not None and result.elapsed_s >= result.wait_s >= 0
    sent = local_server.requests[0].headers
    assert sent["user-agent"].startswith("newsdesk/") and "gzip" in sent["accept-encoding"]


async def test_http_error_4xx_is_not_retried(local_server: LocalServer, make_settings):
    result = await fetch_one(make_settings(), local_server.url("/_fault/status/404"))
    assert (result.outcome, result.status, result.attempts) == (Outcome.HTTP_ERROR, 404, 1)
    assert "404" in str(result.error) and local_server.url("/_fault/status/404") in str(
        result.error
    )
    assert local_server.hits("/_fault/status/404") == 1


async def test_5xx_is_retried_until_the_attempts_run_out(local_server: LocalServer, make_settings):
    result = await fetch_one(make_settings(), local_server.url("/_fault/status/500"))
    assert (result.outcome, result.status, result.attempts) == (Outcome.HTTP_ERROR, 500, 3)
    assert local_server.hits("/_fault/status/500") == 3


async def test_robots_disallowed_url_is_not_requested(local_server: LocalServer, make_settings):
    local_server.add(
        "/robots.txt", "User-agent: *\nDisallow: /private\n", content_type="text/plain"
    )
    result = await fetch_one(make_settings(respect_robots=True), local_server.url("/private/x"))
    assert result.outcome is Outcome.ROBOTS_DISALLOWED and "robots.txt" in str(result.error)
    assert [r.target for r in local_server.requests] == ["/robots.txt"]


@pytest.mark.parametrize("declare", ["1", "0"])
async def test_huge_body_is_too_large(local_server: LocalServer, make_settings, declare: str):
    url = local_server.url(f"/_fault/huge?size=5000000&declare={declare}")
    result = await fetch_one(make_settings(max_body_bytes=200_000), url)
    assert result.outcome is Outcome.TOO_LARGE and result.body == b""
    assert "200000" in str(result.error) and result.attempts == 1


async def test_gzip_bomb_is_too_large_not_out_of_memory(local_server: LocalServer, make_settings):
    settings = make_settings(max_decompressed_bytes=2_000_000, timeouts=Timeouts(read_s=5))
    result = await fetch_one(settings, local_server.url("/_fault/gzip-bomb?size=64000000"))
    assert result.outcome is Outcome.TOO_LARGE and "decompressed" in str(result.error)


async def test_compression_ratio_is_capped(local_server: LocalServer, make_settings):
    settings = make_settings(max_compression_ratio=20.0, timeouts=Timeouts(read_s=5))
    result = await fetch_one(settings, local_server.url("/_fault/gzip-bomb?size=8000000"))
    assert result.outcome is Outcome.TOO_LARGE and "ratio" in str(result.error)


async def test_gzip_body_within_bounds_is_decompressed(local_server: LocalServer, make_settings):
    import gzip

    page = ("<p>" + "news " * 2000 + "</p>").encode()
    url = local_server.add("/z", gzip.compress(page), headers={"Content-Encoding": "gzip"})
    result = await fetch_one(make_settings(), url)
    assert result.outcome is Outcome.OK and result.body == page


async def test_binary_content_type_is_unsupported(local_server: LocalServer, make_settings):
    result = await fetch_one(make_settings(), local_server.url("/_fault/binary"))
    assert result.outcome is Outcome.UNSUPPORTED_CONTENT_TYPE and result.body == b""
    assert "application/octet-stream" in str(result.error)


async def test_content_types_depend_on_the_kind(local_server: LocalServer, make_settings):
    rss = local_server.add("/feed", "<rss/>", content_type="application/rss+xml")
    async with Fetcher(make_settings()) as fetcher:
        as_feed = await fetcher.fetch(FetchRequest(rss, kind="feed"))
        as_article = await fetcher.fetch(FetchRequest(rss, kind="article"))
    assert as_feed.outcome is Outcome.OK and as_feed.body == b"<rss/>" and as_feed.text is None
    assert as_article.outcome is Outcome.UNSUPPORTED_CONTENT_TYPE


@pytest.mark.parametrize("fault", ["slow-headers?delay=2", "stall?delay=2"])
async def test_slow_server_times_out(local_server: LocalServer, make_settings, fault: str):
    result = await fetch_one(make_settings(retries=ONE_TRY), local_server.url(f"/_fault/{fault}"))
    assert result.outcome is Outcome.TIMEOUT and "timed out" in str(result.error)


async def test_endless_slow_body_hits_the_request_time_limit(
    local_server: LocalServer, make_settings
):
    timeouts = Timeouts(read_s=0.5, request_s=0.6)
    settings = make_settings(retries=ONE_TRY, timeouts=timeouts)
    result = await fetch_one(settings, local_server.url("/_fault/drip?interval=0.05"))
    assert result.outcome is Outcome.TIMEOUT and "longer than allowed" in str(result.error)


async def test_timeouts_are_retried_and_counted(local_server: LocalServer, make_settings):
    result = await fetch_one(make_settings(), local_server.url("/_fault/slow-headers?delay=2"))
    assert (result.outcome, result.attempts) == (Outcome.TIMEOUT, 3)


# aiohttp reconnects once by itself when a server drops a connection before answering (a stale
# keep-alive connection looks the same), so a hang-up costs two requests per attempt.
@pytest.mark.parametrize(("fault", "requests"), [("reset", 3), ("short-body", 3), ("hangup", 6)])
async def test_broken_connection_is_a_connection_error(
    local_server: LocalServer, make_settings, fault: str, requests: int
):
    result = await fetch_one(make_settings(), local_server.url(f"/_fault/{fault}"))
    assert (result.outcome, result.attempts) == (Outcome.CONNECTION_ERROR, 3)
    assert local_server.hits(f"/_fault/{fault}") == requests


async def test_refused_connection_is_a_connection_error(make_settings):
    with LocalServer() as gone:
        url = gone.url("/x")
    result = await fetch_one(make_settings(retries=ONE_TRY), url)
    assert result.outcome is Outcome.CONNECTION_ERROR and url in str(result.error)


async def test_redirect_chain_is_followed_and_recorded(local_server: LocalServer, make_settings):
    result = await fetch_one(make_settings(), local_server.url("/_fault/redirect/3"))
    assert result.outcome is Outcome.OK
    assert result.redirects == tuple(local_server.url(f"/_fault/redirect/{n}") for n in (2, 1, 0))
    assert result.final_url == local_server.url("/_fault/redirect/0")


async def test_redirect_loop_and_long_chain(local_server: LocalServer, make_settings):
    async with Fetcher(make_settings(max_redirects=5)) as fetcher:
        loop = await fetcher.fetch(local_server.url("/_fault/loop/a"))
        chain = await fetcher.fetch(local_server.url("/_fault/redirect/6"))
        fine = await fetcher.fetch(local_server.url("/_fault/redirect/5"))
    assert loop.outcome is Outcome.TOO_MANY_REDIRECTS and "loop" in str(loop.error)
    assert chain.outcome is Outcome.TOO_MANY_REDIRECTS and "more than 5" in str(chain.error)
    assert len(chain.redirects) == 5 and fine.outcome is Outcome.OK


@pytest.mark.parametrize(
    "url", ["ftp://example.org/x", "not a url", "http://", "http://exa mple.org/", "//x.org/a"]
)
async def test_invalid_url(make_settings, url: str):
    result = await fetch_one(make_settings(), url)
    assert result.outcome is Outcome.INVALID_URL and result.attempts == 1
    assert url in str(result.error)


async def test_blocked_address(local_server: LocalServer, make_settings):
    result = await fetch_one(make_settings(), local_server.url("/a", host="127.0.0.2"))
    assert result.outcome is Outcome.BLOCKED_ADDRESS and local_server.requests == []


async def test_a_body_that_keeps_coming_is_not_a_read_timeout(
    local_server: LocalServer, make_settings
):
    # Bytes every 0.05 s never leave the body silent for read_s, however long it takes: only
    # the whole-request limit ends it.
    timeouts = Timeouts(connect_s=0.1, read_s=0.2, request_s=1.2)
    settings = make_settings(retries=ONE_TRY, timeouts=timeouts)
    result = await fetch_one(settings, local_server.url("/_fault/drip?interval=0.05"))
    assert result.outcome is Outcome.TIMEOUT and "longer than allowed" in str(result.error)


@pytest.mark.parametrize("fault", ["slow-headers?delay=2", "stall?delay=2"])
async def test_silence_ends_the_request_before_the_request_limit(
    local_server: LocalServer, make_settings, fault: str
):
    timeouts = Timeouts(connect_s=0.1, read_s=0.2, request_s=1.5)
    settings = make_settings(retries=ONE_TRY, timeouts=timeouts)
    result = await fetch_one(settings, local_server.url(f"/_fault/{fault}"))
    assert result.outcome is Outcome.TIMEOUT and "ReadTimeout" in str(result.error)
