"""RSS 2.0, RSS 1.0 / 0.9 and Atom feeds → the article URLs they list, with titles and dates.

Pure: takes the fetched body, never fetches. XML goes through the hardened reader in `_xml`.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from urllib.parse import urljoin
from xml.etree.ElementTree import Element

from ingest.discover._dates import parse_feed_date
from ingest.discover._entries import canonical_or_reject, clean_title
from ingest.discover._xml import gunzip_capped, iter_xml, local_name, namespace_of, text_of
from ingest.discover.errors import MalformedDocument
from ingest.discover.model import DiscoveredURL, RejectHandler, log_rejected

__all__ = ["MAX_FEED_BYTES", "parse_feed"]

MAX_FEED_BYTES = 8 * 1024 * 1024
"""Default cap on a feed body (after gunzip); real feeds are a few hundred kilobytes."""

_ATOM = "http://www.w3.org/2005/Atom"
_ATOM_03 = "http://purl.org/atom/ns#"  # Atom 0.3, still served by old blog engines
_XML_BASE = "{http://www.w3.org/XML/1998/namespace}base"
_PUBLISHED = ("published", "pubDate", "date", "issued")
_FEED_ROOTS = {"rss", "RDF", "feed", "channel"}
_ENTRY_TAGS = {"item", "entry"}
# Namespaces whose <item>/<entry> are feed entries; others (e.g. media:) are ignored.
_ENTRY_NAMESPACES = {
    "",
    _ATOM,
    _ATOM_03,
    "http://purl.org/rss/1.0/",
    "http://my.netscape.com/rdf/simple/0.9/",
    "http://backend.userland.com/rss2",
}


def parse_feed(
    body: bytes,
    feed_url: str,
    *,
    max_bytes: int = MAX_FEED_BYTES,
    on_reject: RejectHandler = log_rejected,
) -> list[DiscoveredURL]:
    """The entries of an RSS or Atom feed, in feed order, each URL canonicalised.

    Relative links resolve against `xml:base` and then `feed_url`. Entries without a usable
    link are passed to `on_reject` and skipped. Raises a `DiscoveryError` subclass naming
    `feed_url` for an oversize, malformed, entity-declaring or non-feed document.
    """
    document = gunzip_capped(body, feed_url, max_bytes=max_bytes)
    source = f"feed:{feed_url}"
    found: list[DiscoveredURL] = []
    bases = [feed_url]
    for event, depth, element in iter_xml(document, feed_url):
        if event == "start":
            if depth == 0 and local_name(element) not in _FEED_ROOTS:
                raise MalformedDocument(feed_url, f"not a feed: root element <{element.tag}>")
            bases.append(urljoin(bases[-1], element.get(_XML_BASE, "")))
            continue
        base = bases.pop()
        if local_name(element) in _ENTRY_TAGS and namespace_of(element) in _ENTRY_NAMESPACES:
            entry = _entry(element, base, source, feed_url, on_reject)
            if entry is not None:
                found.append(entry)
            element.clear()  # entries are done with: keep memory flat on long feeds
    return found


def _entry(
    item: Element, base: str, source: str, feed_url: str, on_reject: RejectHandler
) -> DiscoveredURL | None:
    fields = _fields(item)
    is_atom = namespace_of(item) in (_ATOM, _ATOM_03)
    link = _atom_link(item) if is_atom else _rss_link(item, fields)
    url = canonical_or_reject(link, base, feed_url, on_reject)
    if url is None:
        return None
    published = next((fields[k] for k in _PUBLISHED if k in fields), None)
    updated = fields.get("updated") or fields.get("modified")
    extra = {key: fields[key] for key in ("guid", "id", "creator", "author") if key in fields}
    return DiscoveredURL(
        url=url,
        source=source,
        title=clean_title(fields.get("title")),
        published_at=parse_feed_date(published or updated),
        lastmod=parse_feed_date(updated),
        extra=MappingProxyType(extra),
    )


def _fields(item: Element) -> dict[str, str]:
    """The text of each direct child, by local name; the first occurrence wins."""
    fields: dict[str, str] = {}
    for child in item:
        name = local_name(child)
        if name == "author":  # Atom nests the name; RSS has plain text
            names = [c for c in child if local_name(c) == "name"]
            text = text_of(names[0]) if names else text_of(child)
        else:
            text = text_of(child)
        if text and name not in fields:
            fields[name] = text
    return fields


def _rss_link(item: Element, fields: Mapping[str, str]) -> str | None:
    if fields.get("link"):
        return fields["link"]
    for child in item:  # an <atom:link href> inside an RSS item
        if local_name(child) == "link" and child.get("href"):
            return child.get("href")
    guid = next((child for child in item if local_name(child) == "guid"), None)
    permalink = text_of(guid) if guid is not None else None
    # Many feeds leave out isPermaLink="false" on opaque ids: only an absolute URL is a link.
    if permalink and guid is not None and guid.get("isPermaLink", "true").lower() != "false":
        if _is_absolute(permalink):
            return permalink
    return fields.get("about") or item.get("{http://www.w3.org/1999/02/22-rdf-syntax-ns#}about")


def _atom_link(entry: Element) -> str | None:
    """The alternate link, preferring HTML; falling back to an http(s) `<id>`."""
    candidates: list[tuple[int, str]] = []
    for link in (child for child in entry if local_name(child) == "link"):
        href = link.get("href")
        if not href or link.get("rel", "alternate") != "alternate":
            continue
        prefers_html = link.get("type", "text/html") in ("text/html", "application/xhtml+xml")
        candidates.append((0 if prefers_html else 1, urljoin(link.get(_XML_BASE, ""), href)))
    if candidates:
        return min(candidates, key=lambda pair: pair[0])[1]
    entry_id = next((text_of(c) for c in entry if local_name(c) == "id"), None)
    return entry_id if entry_id and _is_absolute(entry_id) else None


def _is_absolute(text: str) -> bool:
    return text.lower().startswith(("http://", "https://"))
