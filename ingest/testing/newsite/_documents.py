"""The demo site's machine-readable documents: RSS 2.0, Atom, sitemaps and robots.txt.

Built with ElementTree so every title and URL is escaped correctly, whatever the seed text holds.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime
from xml.sax.saxutils import escape, quoteattr

__all__ = [
    "FeedItem",
    "atom_feed",
    "news_sitemap",
    "robots_txt",
    "rss_feed",
    "sitemap_index",
    "urlset",
]

_ATOM = "http://www.w3.org/2005/Atom"
_SITEMAP = "http://www.sitemaps.org/schemas/sitemap/0.9"
_NEWS = "http://www.google.com/schemas/sitemap-news/0.9"
_DC = "http://purl.org/dc/elements/1.1/"


@dataclass(frozen=True, slots=True, kw_only=True)
class FeedItem:
    """What a feed or sitemap says about one URL."""

    url: str
    title: str
    published: datetime
    summary: str = ""
    author: str | None = None
    publication: str = ""
    language: str = "en"
    keywords: tuple[str, ...] = ()


def rss_feed(*, title: str, site_url: str, feed_url: str, items: Sequence[FeedItem]) -> bytes:
    """An RSS 2.0 feed with RFC 822 dates and `dc:creator` authors."""
    ET.register_namespace("atom", _ATOM)
    ET.register_namespace("dc", _DC)
    rss = ET.Element("rss", version="2.0")
    channel = ET.SubElement(rss, "channel")
    _text(channel, "title", title)
    _text(channel, "link", site_url + "/")
    _text(channel, "description", f"Latest stories from {title}")
    ET.SubElement(channel, f"{{{_ATOM}}}link", href=feed_url, rel="self")
    for item in items:
        entry = ET.SubElement(channel, "item")
        _text(entry, "title", item.title)
        _text(entry, "link", item.url)
        _text(entry, "guid", item.url).set("isPermaLink", "true")
        _text(entry, "pubDate", format_datetime(item.published.astimezone(UTC), usegmt=True))
        _text(entry, "description", item.summary)
        if item.author:
            _text(entry, f"{{{_DC}}}creator", item.author)
    return _serialise(rss)


def atom_feed(*, title: str, site_url: str, feed_url: str, items: Sequence[FeedItem]) -> bytes:
    """An Atom 1.0 feed with relative links resolved through `xml:base`.

    Written from a template: ElementTree cannot give Atom its default namespace when
    elements carry plain attributes (`rel`, `href`).
    """
    newest = max((i.published for i in items), default=datetime(2024, 1, 1, tzinfo=UTC))
    entries = "".join(_atom_entry(item, site_url) for item in items)
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        f'<feed xmlns="{_ATOM}" xml:base={quoteattr(site_url + "/")}>\n'
        f"  <title>{escape(title)}</title>\n  <id>{escape(feed_url)}</id>\n"
        f'  <link rel="self" href={quoteattr(feed_url)}/>\n'
        f"  <updated>{newest.isoformat()}</updated>\n{entries}</feed>\n"
    ).encode()


def _atom_entry(item: FeedItem, site_url: str) -> str:
    relative = item.url.removeprefix(site_url + "/")
    author = f"<author><name>{escape(item.author)}</name></author>" if item.author else ""
    return (
        f"  <entry>\n    <title>{escape(item.title)}</title>\n"
        f'    <link rel="alternate" type="text/html" href={quoteattr(relative)}/>\n'
        f"    <id>{escape(item.url)}</id>\n"
        f"    <published>{item.published.isoformat()}</published>\n"
        f"    <updated>{item.published.isoformat()}</updated>\n"
        f"    <summary>{escape(item.summary)}</summary>{author}\n  </entry>\n"
    )


def urlset(items: Sequence[FeedItem]) -> bytes:
    """A plain sitemap: each URL with its last modification date."""
    root = ET.Element(f"{{{_SITEMAP}}}urlset")
    for item in items:
        url = ET.SubElement(root, f"{{{_SITEMAP}}}url")
        _text(url, f"{{{_SITEMAP}}}loc", item.url)
        _text(url, f"{{{_SITEMAP}}}lastmod", item.published.astimezone(UTC).date().isoformat())
    return _serialise(root, default_namespace=_SITEMAP)


def news_sitemap(items: Sequence[FeedItem]) -> bytes:
    """A Google News sitemap: publication, language, date, title and keywords per URL."""
    ET.register_namespace("news", _NEWS)
    root = ET.Element(f"{{{_SITEMAP}}}urlset")
    for item in items:
        url = ET.SubElement(root, f"{{{_SITEMAP}}}url")
        _text(url, f"{{{_SITEMAP}}}loc", item.url)
        news = ET.SubElement(url, f"{{{_NEWS}}}news")
        publication = ET.SubElement(news, f"{{{_NEWS}}}publication")
        _text(publication, f"{{{_NEWS}}}name", item.publication)
        _text(publication, f"{{{_NEWS}}}language", item.language)
        _text(news, f"{{{_NEWS}}}publication_date", item.published.isoformat())
        _text(news, f"{{{_NEWS}}}title", item.title)
        if item.keywords:
            _text(news, f"{{{_NEWS}}}keywords", ", ".join(item.keywords))
    return _serialise(root, default_namespace=_SITEMAP)


def sitemap_index(sitemaps: Sequence[str]) -> bytes:
    """A sitemap index listing child sitemaps."""
    root = ET.Element(f"{{{_SITEMAP}}}sitemapindex")
    for loc in sitemaps:
        _text(ET.SubElement(root, f"{{{_SITEMAP}}}sitemap"), f"{{{_SITEMAP}}}loc", loc)
    return _serialise(root, default_namespace=_SITEMAP)


def robots_txt(*, sitemaps: Sequence[str], disallow: Sequence[str]) -> bytes:
    """A robots.txt for every agent, with `Disallow` paths and `Sitemap` lines."""
    lines = ["User-agent: *", *(f"Disallow: {path}" for path in disallow), ""]
    lines += [f"Sitemap: {url}" for url in sitemaps]
    return ("\n".join(lines) + "\n").encode()


def _text(parent: ET.Element, tag: str, text: str) -> ET.Element:
    child = ET.SubElement(parent, tag)
    child.text = text
    return child


def _serialise(root: ET.Element, *, default_namespace: str | None = None) -> bytes:
    ET.indent(root)
    return ET.tostring(
        root, encoding="utf-8", xml_declaration=True, default_namespace=default_namespace
    )
