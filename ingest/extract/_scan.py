"""One pass over the parsed tree that collects every element the metadata readers look at,
and the invisible elements (scripts, styles...) that the body finder removes afterwards.

Each full-tree CSS query costs ~100 µs on a news page, so all of them are asked at once.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from selectolax.lexbor import LexborHTMLParser, LexborNode

from ._walk import _tag_ids

# Never shown as text; the body finder removes them so that element text counts what is seen.
INVISIBLE = "script, style, noscript, template, svg"
# More matches than this means a hostile or generated page; the head's tags come first anyway.
MAX_NODES = 5_000
_MAX_ANCESTORS = 40
_SELECTOR = ", ".join(
    (
        "meta[content]",
        # Stylesheets and preloads are most of a page's links; only these rels are read.
        'link[rel~="canonical" i][href]',
        'link[rel~="amphtml" i][href]',
        'link[rel~="image_src" i][href]',
        # Every script (listed in INVISIBLE): JSON-LD for the metadata, all invisible for the
        # body. Named once only: Lexbor tests each node against every selector of the list.
        "h1",
        "time",
        "[itemprop]",
        "title",
        "base[href]",
        'a[rel~="author" i]',
        INVISIBLE,
    )
)
# Only the fallbacks (visible byline, written date) need these; most pages never ask.
_CLASS_SELECTOR = (
    '[class*="byline" i], [class*="author" i], [class*="date" i], [class*="publish" i], '
    '[class*="time" i]'
)


Attributes = dict[str, str | None]


@dataclass(slots=True)
class PageNodes:
    """The elements of interest, each list in document order."""

    metas: list[Attributes] = field(default_factory=list)
    links: list[Attributes] = field(default_factory=list)
    scripts: list[LexborNode] = field(default_factory=list)
    headings: list[LexborNode] = field(default_factory=list)
    times: list[LexborNode] = field(default_factory=list)
    # Elements with an itemprop, and their property names lower-cased.
    microdata: list[tuple[LexborNode, frozenset[str]]] = field(default_factory=list)
    author_links: list[LexborNode] = field(default_factory=list)
    title: LexborNode | None = None
    base: LexborNode | None = None
    html: LexborNode | None = None
    tree: LexborHTMLParser | None = None
    invisible: list[LexborNode] = field(default_factory=list)
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
        if "date" in classes or "publish" in classes or "time" in classes:
            self.dates.append(node)


def _tag_id(name: str) -> int:
    return next(iter(_tag_ids(name)))


# Compared by Lexbor's numeric tag ids: reading `tag` builds a new string every time.
_SCRIPT, _META, _LINK, _H1, _TIME, _TITLE, _BASE, _A = map(
    _tag_id, "script meta link h1 time title base a".split()
)
_INVISIBLE_IDS = _tag_ids(INVISIBLE.replace(",", ""))
# Tags whose itemprop (headline, ...) no reader asks for.
_NEVER_MICRODATA = frozenset({_SCRIPT, _TITLE, _BASE, _H1})


def scan(tree: LexborHTMLParser) -> PageNodes:
    found = PageNodes(html=tree.root, tree=tree)
    invisible = found.invisible
    read = 0
    previous = 0
    for node in tree.css(_SELECTOR):
        # Lexbor lists an element once per selector it matches, the copies one after another.
        if node.mem_id == previous:
            continue
        previous = node.mem_id
        tag = node.tag_id
        if tag in _INVISIBLE_IDS:
            invisible.append(node)
            if tag != _SCRIPT or "ld+json" not in (node.attrs.get("type") or "").lower():
                continue
        read += 1
        if read > MAX_NODES:  # the invisible ones are still all wanted
            continue
        if tag == _SCRIPT:
            found.scripts.append(node)
            continue
        # <meta> and <link> are read only through their attributes, fetched here once.
        if tag == _META:
            found.metas.append(node.attributes)
            continue
        if tag == _LINK:
            found.links.append(node.attributes)
            continue
        if tag == _H1:
            found.headings.append(node)
        elif tag == _TIME:
            found.times.append(node)
        elif tag == _TITLE:
            found.title = found.title or node
        elif tag == _BASE:
            found.base = found.base or node
        elif tag == _A and "author" in (node.attrs.get("rel") or "").lower().split():
            found.author_links.append(node)
        if tag not in _NEVER_MICRODATA:
            itemprop = node.attrs.get("itemprop")
            if itemprop:
                found.microdata.append((node, frozenset(itemprop.lower().split())))
    return found


def inside_article(node: LexborNode) -> bool:
    """Whether `node` sits in an <article>: the page's story rather than a teaser beside it."""
    parent = node.parent
    for _ in range(_MAX_ANCESTORS):
        if parent is None:
            return False
        if parent.tag == "article":
            return True
        parent = parent.parent
    return False


def words_of(node: LexborNode) -> str:
    """The element's text as single-spaced words (text nodes apart count as words apart).
    Whitespace-only text nodes only separate words, so they are skipped in C."""
    return " ".join(node.text(deep=True, separator=" ", skip_empty=True).split())
