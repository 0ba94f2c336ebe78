"""The page's `<meta>` and `<link>` tags gathered once into lookups by name and rel.

Keys are lower-cased; a tag naming several properties ("og:title dc:title") is filed under each.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

from ingest.extract._scan import PageNodes

# A page with more tags than this is hostile or broken; the head's tags come first anyway.
MAX_TAGS = 2_000
_KEY_ATTRIBUTES = frozenset({"property", "name", "itemprop", "http-equiv"})


@dataclass(frozen=True, slots=True)
class HeadTags:
    """Meta contents by property/name/itemprop, link hrefs by rel, and the <base href>."""

    meta: dict[str, list[str]]
    links: dict[str, list[str]]
    base_href: str | None

    def first(self, *keys: str) -> str | None:
        """The first non-empty content among `keys`, in the order of `keys`."""
        for key in keys:
            for value in self.meta.get(key, ()):
                return value
        return None

    def all(self, *keys: str) -> list[str]:
        return [value for key in keys for value in self.meta.get(key, ())]

    def link(self, rel: str) -> str | None:
        hrefs = self.links.get(rel)
        return hrefs[0] if hrefs else None


def read_head_tags(nodes: PageNodes) -> HeadTags:
    meta: dict[str, list[str]] = {}
    for attrs in nodes.metas[:MAX_TAGS]:
        content = attrs.get("content")
        if content is None:
            continue
        # Many CMSs escape twice ("&amp;#8217;"); the parser has undone only the first.
        if "&" in content:
            content = html.unescape(content)
        content = " ".join(content.split())
        if not content:
            continue
        for attribute, names in attrs.items():
            if names and attribute in _KEY_ATTRIBUTES:
                for key in names.lower().split():
                    meta.setdefault(key, []).append(content)
    links: dict[str, list[str]] = {}
    for attrs in nodes.links[:MAX_TAGS]:
        href = (attrs.get("href") or "").strip()
        if href:
            for rel in (attrs.get("rel") or "").lower().split():
                links.setdefault(rel, []).append(href)
    base = nodes.base
    base_href = (base.attributes.get("href") or "").strip() or None if base else None
    return HeadTags(meta=meta, links=links, base_href=base_href)
