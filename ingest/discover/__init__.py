"""Discovery: turn feeds, sitemaps, robots.txt, URL lists and HTML pages into URLs to fetch.

Every function here is pure (bytes or text in, canonical `DiscoveredURL`s out); fetching is
the pipeline's job, with the fetcher's bounds and guards.
"""

from ingest.discover.errors import (
    DiscoveryError,
    DocumentTooLarge,
    ForbiddenXML,
    MalformedDocument,
)
from ingest.discover.feeds import MAX_FEED_BYTES, parse_feed
from ingest.discover.links import (
    ASSET_EXTENSIONS,
    LinkFollowPolicy,
    extract_links,
    parse_url_list,
)
from ingest.discover.model import DiscoveredURL, Rejected, RejectHandler, SitemapPage, log_rejected
from ingest.discover.sitemaps import MAX_SITEMAP_BYTES, parse_robots_sitemaps, parse_sitemap

__all__ = [
    "ASSET_EXTENSIONS",
    "MAX_FEED_BYTES",
    "MAX_SITEMAP_BYTES",
    "DiscoveredURL",
    "DiscoveryError",
    "DocumentTooLarge",
    "ForbiddenXML",
    "LinkFollowPolicy",
    "MalformedDocument",
    "RejectHandler",
    "Rejected",
    "SitemapPage",
    "extract_links",
    "log_rejected",
    "parse_feed",
    "parse_robots_sitemaps",
    "parse_sitemap",
    "parse_url_list",
]
