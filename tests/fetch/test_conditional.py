"""Conditional requests: stored validators go out, and a 304 is `not_modified`."""

from __future__ import annotations

from ingest.fetch import Fetcher, FetchRequest, Outcome
from ingest.testing import LocalServer

VALIDATORS = {"ETag": '"rev-7"', "Last-Modified": "Mon, 23 Nov 2026 08:00:00 GMT"}


async def test_etag_gives_not_modified(local_server: LocalServer, make_settings):
    url = local_server.add("/story", "<p>story</p>", headers=VALIDATORS)
    async with Fetcher(make_settings()) as fetcher:
        first = await fetcher.fetch(url)
        again = await fetcher.fetch(FetchRequest(url, etag=first.etag))
    assert first.outcome is Outcome.OK and first.etag == '"rev-7"'
    assert first.last_modified == VALIDATORS["Last-Modified"]
    assert again.outcome is Outcome.NOT_MODIFIED and again.status == 304
    assert again.body == b"" and again.text is None and again.etag == '"rev-7"'
    assert local_server.requests[1].headers["if-none-match"] == '"rev-7"'


async def test_last_modified_gives_not_modified(local_server: LocalServer, make_settings):
    url = local_server.add("/story", "<p>story</p>", headers=VALIDATORS)
    stamp = VALIDATORS["Last-Modified"]
    async with Fetcher(make_settings()) as fetcher:
        result = await fetcher.fetch(FetchRequest(url, last_modified=stamp))
    assert result.outcome is Outcome.NOT_MODIFIED and result.last_modified == stamp
    assert local_server.requests[0].headers["if-modified-since"] == stamp


async def test_changed_etag_gives_the_new_page(local_server: LocalServer, make_settings):
    url = local_server.add("/story", "<p>updated</p>", headers=VALIDATORS)
    async with Fetcher(make_settings()) as fetcher:
        result = await fetcher.fetch(FetchRequest(url, etag='"rev-6"'))
    assert result.outcome is Outcome.OK and result.text == "<p>updated</p>"
