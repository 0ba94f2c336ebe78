"""Real pages from `fixtures/`, moved onto the demo site: their own links rewritten to it.

Links to the page's original host point at the same path on the demo site (so the canonical
link names the local copy); links to any other host are neutralised, so that nothing the demo
serves can lead a crawler off loopback.
"""

from __future__ import annotations

import gzip
import re
from urllib.parse import urlsplit

from ingest.testing.newsite._content import FIXTURES_DIR, Fixture

__all__ = ["fixture_path", "load_fixture"]

_ABSOLUTE_LINK = re.compile(
    r"""(?P<lead>\b(?:href|src|action|srcset)\s*=\s*["']?)(?P<url>(?:https?:)?//[^"'\s>]+)""",
    re.IGNORECASE,
)


def fixture_path(fixture: Fixture) -> str:
    """The path of the page on its original site (query included)."""
    parts = urlsplit(fixture.origin_url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def load_fixture(fixture: Fixture, site_url: str) -> bytes:
    """The page's bytes with its origin replaced by `site_url` and other hosts unlinked."""
    raw = gzip.decompress((FIXTURES_DIR / fixture.file).read_bytes())
    # surrogateescape keeps any byte that is not UTF-8 exactly as it was.
    text = raw.decode("utf-8", "surrogateescape")
    host = urlsplit(fixture.origin_url).hostname or ""
    for origin in (f"https://{host}", f"http://{host}", f"//{host}"):
        text = text.replace(origin + "/", site_url + "/").replace(origin + '"', site_url + '"')
    text = _ABSOLUTE_LINK.sub(lambda m: _neutralise(m, site_url), text)
    return text.encode("utf-8", "surrogateescape")


def _neutralise(match: re.Match[str], site_url: str) -> str:
    url = match["url"]
    if url.startswith(site_url + "/") or url == site_url:
        return match[0]
    return match["lead"] + "#offsite"
