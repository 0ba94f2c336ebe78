"""Parsing request URLs into `httpx.URL`, with a fast path for the shape most URLs have.

`httpx.URL(text)` checks and re-quotes every character in Python, about 20 us a URL on the
project's machine: more than a tenth of a fetch. Most crawled URLs are `http(s)://host[:port]`
plus a path and query that need no quoting, on hosts seen before. For those, the origin is
parsed by httpx once and kept, and the path and query, which httpx would leave as they are, are
taken as they are. Anything else (user info, upper case or non-ASCII hosts, fragments,
characters httpx would quote, dot segments) goes through `httpx.URL` itself. The result is the
same either way; `tests/fetch/test_urls.py` checks that against httpx on generated URLs.
"""

from __future__ import annotations

import re

import httpx
from httpx._urlparse import ParseResult  # httpx is pinned to 0.28: its parsed form is stable

_MAX_ORIGINS = 4096  # beyond this, start over rather than grow without bound

# What httpx's quoting leaves untouched (its PATH_SAFE and QUERY_SAFE: printable ASCII minus
# the characters each part must quote), and a host in the lower case httpx would give it.
_PATH = "".join(chr(c) for c in range(0x21, 0x7F) if chr(c) not in '"#<>?`{}')
_QUERY = "".join(chr(c) for c in range(0x21, 0x7F) if chr(c) not in '"#<>')
_SIMPLE = re.compile(
    r"(https?://[a-z0-9.\-]+(?::[0-9]{1,5})?)"
    rf"(/[{re.escape(_PATH)}]*)?"
    rf"(?:\?([{re.escape(_QUERY)}]*))?"
)


class URLParser:
    """`httpx.URL(text)`, faster for common URLs; keeps the origins it has parsed."""

    def __init__(self) -> None:
        self._origins: dict[str, ParseResult] = {}

    def parse(self, text: str) -> httpx.URL:
        """The `httpx.URL` of `text`; raises `httpx.InvalidURL` as httpx does."""
        match = _SIMPLE.fullmatch(text)
        if match is None:
            return httpx.URL(text)
        origin, path, query = match.groups()
        path = path or ""
        if "/." in path and _has_dot_segment(path):
            return httpx.URL(text)  # httpx removes them
        base = self._origins.get(origin)
        if base is None:
            base = httpx.URL(origin)._uri_reference
            if len(self._origins) >= _MAX_ORIGINS:
                self._origins.clear()
            self._origins[origin] = base
        url = httpx.URL.__new__(httpx.URL)
        url._uri_reference = ParseResult(
            base.scheme, base.userinfo, base.host, base.port, path, query, None
        )
        return url


def _has_dot_segment(path: str) -> bool:
    segments = path.split("/")
    return "." in segments or ".." in segments
