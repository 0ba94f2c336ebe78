"""XML sitemaps and sitemap indexes (gzip too, Google News entries), and robots.txt sitemaps.

Pure: takes fetched bodies. Image and video extensions are skipped; news facts are kept.
"""

from __future__ import annotations

from types import MappingProxyType
from xml.etree.ElementTree import Element

from protego import Protego

from ingest.discover._dates import parse_feed_date
from ingest.discover._entries import canonical_or_reject, clean_title
from ingest.discover._xml import gunzip_capped, iter_xml, local_name, namespace_of, text_of
from ingest.discover.errors import MalformedDocument
from ingest.discover.model import (
    DiscoveredURL,
    RejectHandler,
    SitemapPage,
    log_rejected,
)

__all__ = ["MAX_SITEMAP_BYTES", "parse_robots_sitemaps", "parse_sitemap"]

MAX_SITEMAP_BYTES = 50 * 1024 * 1024
"""Default cap on a sitemap (after gunzip): the sitemaps.org limit of 50 MiB."""

_NEWS = "http://www.google.com/schemas/sitemap-news/0.9"
_ROOTS = {"urlset": "url", "sitemapindex": "sitemap"}


def parse_sitemap(
    body: bytes,
    sitemap_url: str,
    *,
    max_bytes: int = MAX_SITEMAP_BYTES,
    on_reject: RejectHandler = log_rejected,
) -> SitemapPage:
    """The page URLs of a `<urlset>`, or the child sitemaps of a `<sitemapindex>`.

    A gzip body is recognised by its magic bytes and inflated within `max_bytes`. Google News
    entries give the title and publication date, and `extra` keeps `publication`, `language`
    and `keywords`. Raises a `DiscoveryError` subclass naming `sitemap_url` on bad documents.
    """
    document = gunzip_capped(body, sitemap_url, max_bytes=max_bytes)
    source = f"sitemap:{sitemap_url}"
    urls: list[DiscoveredURL] = []
    sitemaps: list[str] = []
    entry_tag = ""
    for event, depth, element in iter_xml(document, sitemap_url):
        if depth == 0 and event == "start":
            entry_tag = _ROOTS.get(local_name(element), "")
            if not entry_tag:
                raise MalformedDocument(sitemap_url, f"not a sitemap: root element <{element.tag}>")
        if depth != 1 or event != "end" or local_name(element) != entry_tag:
            continue
        loc = canonical_or_reject(_child_text(element, "loc"), sitemap_url, sitemap_url, on_reject)
        if loc is not None and entry_tag == "sitemap":
            sitemaps.append(loc)
        elif loc is not None:
            urls.append(_page(element, loc, source))
        element.clear()
    return SitemapPage(urls=urls, sitemaps=sitemaps)


def parse_robots_sitemaps(
    robots_txt: str, robots_url: str | None = None, *, on_reject: RejectHandler = log_rejected
) -> list[str]:
    """The canonical URLs of the `Sitemap:` lines of a robots.txt, in order, without repeats.

    Relative entries (which the standard does not allow, but sites write) resolve against
    `robots_url` when it is given.
    """
    document = robots_url or "robots.txt"
    found: dict[str, None] = {}
    for raw in Protego.parse(robots_txt).sitemaps:
        url = canonical_or_reject(raw, robots_url or "", document, on_reject)
        if url is not None:
            found.setdefault(url)
    return list(found)


def _page(entry: Element, loc: str, source: str) -> DiscoveredURL:
    news = next((child for child in entry if namespace_of(child) == _NEWS), None)
    title = published = None
    extra: dict[str, str] = {}
    if news is not None:
        title = clean_title(_child_text(news, "title"))
        published = parse_feed_date(_child_text(news, "publication_date"))
        publication = next((c for c in news if local_name(c) == "publication"), None)
        facts = {
            "publication": _child_text(publication, "name"),
            "language": _child_text(publication, "language"),
            "keywords": _child_text(news, "keywords"),
        }
        extra = {key: value for key, value in facts.items() if value}
    return DiscoveredURL(
        url=loc,
        source=source,
        title=title,
        published_at=published,
        lastmod=parse_feed_date(_child_text(entry, "lastmod")),
        extra=MappingProxyType(extra),
    )


def _child_text(parent: Element | None, name: str) -> str | None:
    """Text of the first direct child called `name` whose namespace is the parent's own."""
    if parent is None:
        return None
    own = namespace_of(parent)
    for child in parent:
        if local_name(child) == name and namespace_of(child) == own:
            return text_of(child)
    return None
