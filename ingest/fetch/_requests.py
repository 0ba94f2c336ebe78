"""Building the fetcher's GET requests for the shared httpx client, cheaply.

`AsyncClient.build_request` merges the client's headers, cookies, parameters and URL into new
objects for every request, which cost as much CPU as a whole aiohttp fetch (docs/fetching.md).
A crawler's requests differ only in URL, host and kind, so the merged headers are built once per
host and kind and the request is made from them; what goes on the wire is the same.
"""

from __future__ import annotations

from collections.abc import Mapping

import httpx

from ingest.fetch._limits import Kind

ACCEPT: Mapping[Kind, str] = {
    "article": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.1",
    "feed": "application/rss+xml,application/atom+xml,application/xml;q=0.9,text/xml;q=0.9",
    "sitemap": "application/xml,text/xml;q=0.9,*/*;q=0.1",
    "robots": "text/plain,*/*;q=0.1",
}
_MAX_CACHED = 4096  # (host, kind) pairs; a crawl of more hosts just rebuilds them now and then
_NO_BODY = httpx.ByteStream(b"")


class RequestFactory:
    """GET requests carrying `client`'s headers and timeout, as `client.build_request` makes."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self._client = client
        self._extensions = {"timeout": client.timeout.as_dict()}
        self._headers: dict[tuple[bytes, Kind], httpx.Headers] = {}

    def get(
        self, url: httpx.URL, kind: Kind, extra_headers: Mapping[str, str] | None = None
    ) -> httpx.Request:
        """A GET of `url` (absolute, already parsed) with the headers for `kind` plus `extra`."""
        headers = self._headers_for(url.netloc, kind)
        if extra_headers:
            headers = httpx.Headers(headers)
            headers.update(extra_headers)
        request = httpx.Request(
            "GET", url, headers=headers, stream=_NO_BODY, extensions=self._extensions
        )
        request.read()  # an empty body: `request.content` is there, as after build_request
        return request

    def _headers_for(self, netloc: bytes, kind: Kind) -> httpx.Headers:
        key = (netloc, kind)
        found = self._headers.get(key)
        if found is None:
            if len(self._headers) >= _MAX_CACHED:
                self._headers.clear()
            # The order build_request gives: Host first, then the client's, then ours.
            found = httpx.Headers({"Host": netloc.decode("ascii")})
            found.update(self._client.headers)
            found["Accept"] = ACCEPT[kind]
            self._headers[key] = found
        return found
