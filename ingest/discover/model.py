"""What discovery hands the frontier: a canonical URL with what its source said about it.

Parsers report entries they skip through a `RejectHandler`, so one bad entry never loses a feed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType

__all__ = ["DiscoveredURL", "RejectHandler", "Rejected", "SitemapPage", "log_rejected"]

_log = logging.getLogger("ingest.discover")


@dataclass(frozen=True, slots=True, kw_only=True)
class DiscoveredURL:
    """One URL to fetch, canonicalised, with the title and dates its source gave for it.

    `source` says where it came from: `feed:<feed url>`, `sitemap:<sitemap url>`, `list`,
    `robots:<robots url>` or `link:<page url>`; `depth` counts link-following hops (0 for
    feeds, sitemaps and lists). `extra` holds source-specific facts, e.g. a Google News
    sitemap's `publication`, `language` and `keywords`, or a feed item's `guid`.
    """

    url: str
    source: str
    title: str | None = None
    published_at: datetime | None = None
    lastmod: datetime | None = None
    depth: int = 0
    extra: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}), hash=False)


@dataclass(frozen=True, slots=True)
class Rejected:
    """An entry a parser skipped: the raw value, the document it came from, and why."""

    value: str
    document: str
    reason: str


RejectHandler = Callable[[Rejected], None]


def log_rejected(rejected: Rejected) -> None:
    """The default `on_reject`: a warning naming the entry, its document and the reason."""
    _log.warning("skipped %r in %s: %s", rejected.value, rejected.document, rejected.reason)


@dataclass(frozen=True, slots=True)
class SitemapPage:
    """One parsed sitemap: article URLs (a urlset) and child sitemaps (a sitemap index)."""

    urls: list[DiscoveredURL]
    sitemaps: list[str]
