"""One pass over the parsed tree that collects every element the metadata readers look at.

Each full-tree CSS query costs ~100 µs on a news page, so all of them are asked at once.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from selectolax.lexbor import LexborHTMLParser, LexborNode

# More matches than this means a hostile or generated page; the head's tags come first anyway.
MAX_NODES = 5_000
_SELECTOR = ", ".join(
    (
        "meta[content]",
        "link[href]",
        'script[type*="ld+json" i]',
        "h1",
        "time",
        "[itemprop]",
        "title",
        "base[href]",
        'a[rel~="author" i]',
    )
)
# Only the fallbacks (visible byline, written date) need these; most pages never ask.
_CLASS_SELECTOR = (
    '[class*="byline" i], [class*="author" i], [class*="date" i], [class*="publish" i]'
)


@dataclass(slots=True)
class PageNodes:
    """The elements of interest, each list in document order."""

    metas: list[LexborNode] = field(default_factory=list)
    links: list[LexborNode] = field(default_factory=list)
    scripts: list[LexborNode] = field(default_factory=list)
    headings: list[LexborNode] = field(default_factory=list)
    times: list[LexborNode] = field(default_factory=list)
    microdata: list[LexborNode] = field(default_factory=list)
    author_links: list[LexborNode] = field(default_factory=list)
    title: LexborNode | None = None
    base: LexborNode | None = None
    html: LexborNode | None = None
    tree: LexborHTMLParser | None = None
    _classed: ClassedNodes | None = None

    def classed(self) -> ClassedNodes:
        """Elements whose class names suggest a byline, an author or a date (searched once)."""
        if self._classed is None:
            self._classed = ClassedNodes()
            if self.tree is not None:
                for node in self.tree.css(_CLASS_SELECTOR)[:MAX_NODES]:
                    self._classed.add(node, (node.attributes.get("class") or "").lower())
        return self._classed


@dataclass(slots=True)
class ClassedNodes:
    bylines: list[LexborNode] = field(default_factory=list)
    authors: list[LexborNode] = field(default_factory=list)
    dates: list[LexborNode] = field(default_factory=list)

    def add(self, node: LexborNode, classes: str) -> None:
        if "byline" in classes:
            self.bylines.append(node)
        if "author" in classes:
            self.authors.append(node)
        if "date" in classes or "publish" in classes:
            self.dates.append(node)


_BY_TAG = {
    "meta": "metas",
    "link": "links",
    "script": "scripts",
    "h1": "headings",
    "time": "times",
}


def scan(tree: LexborHTMLParser) -> PageNodes:
    found = PageNodes(html=tree.css_first("html"), tree=tree)
    for node in tree.css(_SELECTOR)[:MAX_NODES]:
        tag = node.tag
        attrs = node.attributes
        bucket = _BY_TAG.get(tag or "")
        if bucket is not None:
            getattr(found, bucket).append(node)
        elif tag == "title" and found.title is None:
            found.title = node
        elif tag == "base" and found.base is None:
            found.base = node
        if "itemprop" in attrs and tag != "meta":
            found.microdata.append(node)
        if tag == "a" and "author" in (attrs.get("rel") or "").lower().split():
            found.author_links.append(node)
    return found
