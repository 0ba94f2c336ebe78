"""`fetch_many`: any iterable in, one result per request out, errors as results."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from ingest.fetch import Fetcher, FetchRequest, Outcome
from ingest.testing import LocalServer


async def test_one_result_per_request_even_for_bad_ones(local_server: LocalServer, make_settings):
    local_server.add_many({f"/p/{n}": f"<p>{n}</p>" for n in range(50)})
    good = [local_server.url(f"/p/{n}") for n in range(50)]
    bad = ["mailto:someone@example.org", local_server.url("/missing"), None]
    async with Fetcher(make_settings(concurrency=8)) as fetcher:
        results = [r async for r in fetcher.fetch_many([*good, *bad])]
    by_url = {r.requested_url: r for r in results}
    assert len(results) == 53 and set(by_url) == {*good, *bad[:2], "None"}
    assert all(by_url[u].text == f"<p>{n}</p>" for n, u in enumerate(good))
    assert by_url[bad[0]].outcome is Outcome.INVALID_URL
    assert by_url[bad[1]].outcome is Outcome.HTTP_ERROR
    assert by_url["None"].outcome is Outcome.INVALID_URL
    assert local_server.peak_concurrency <= 4  # per_host default


async def test_async_iterable_of_requests(local_server: LocalServer, make_settings):
    local_server.add_many({f"/p/{n}": f"<p>{n}</p>" for n in range(10)})

    async def produce() -> AsyncIterator[FetchRequest]:
        for n in range(10):
            yield FetchRequest(local_server.url(f"/p/{n}"), meta={"n": n})

    async with Fetcher(make_settings()) as fetcher:
        results = [r async for r in fetcher.fetch_many(produce())]
    assert sorted(r.meta["n"] for r in results) == list(range(10))
    assert all(r.text == f"<p>{r.meta['n']}</p>" for r in results)


async def test_results_come_as_they_complete(local_server: LocalServer, make_settings):
    local_server.add("/fast", "<p>fast</p>")
    slow = local_server.url("/_fault/slow-headers?delay=0.2")
    async with Fetcher(make_settings()) as fetcher:
        order = [
            r.requested_url async for r in fetcher.fetch_many([slow, local_server.url("/fast")])
        ]
    assert order == [local_server.url("/fast"), slow]


async def test_error_in_the_callers_iterable_reaches_the_caller(make_settings):
    async def broken() -> AsyncIterator[str]:
        yield "not a url"
        raise RuntimeError("source failed")

    async with Fetcher(make_settings()) as fetcher:
        seen = []
        with pytest.raises(RuntimeError, match="source failed"):
            async for result in fetcher.fetch_many(broken()):
                seen.append(result.outcome)
    assert seen == [Outcome.INVALID_URL]


async def test_breaking_out_early_cancels_the_rest(local_server: LocalServer, make_settings):
    urls = [local_server.url(f"/_fault/slow-headers?delay=0.2&n={n}") for n in range(20)]
    async with Fetcher(make_settings(concurrency=4)) as fetcher:
        async for _ in fetcher.fetch_many(urls):
            break
    assert local_server.hits("/_fault/slow-headers") <= 8


async def test_a_slow_consumer_holds_fetching_back(local_server: LocalServer, make_settings):
    local_server.add_many({f"/p/{n}": f"<p>{n}</p>" for n in range(40)})
    urls = [local_server.url(f"/p/{n}") for n in range(40)]
    async with Fetcher(make_settings(concurrency=2)) as fetcher:
        stream = fetcher.fetch_many(urls)
        first = await anext(stream)
        await asyncio.sleep(0.3)  # time enough to fetch all 40 if nothing held the workers
        fetched = len(local_server.requests)
        await stream.aclose()
    assert first.ok
    assert fetched <= 5  # one yielded, two waiting in the queue, two waiting to be queued


async def test_using_a_fetcher_that_is_not_open_is_a_clear_error(make_settings):
    with pytest.raises(RuntimeError, match="async with Fetcher"):
        await Fetcher(make_settings()).fetch("http://127.0.0.1:9/")
