"""The article body of a parsed page as typed blocks, without the page's chrome.

Chooses the element whose text is most article-like (the best text-minus-chrome balance) and keeps
its content blocks; falls back to every content-looking block when no element stands out.
"""

from __future__ import annotations

from itertools import accumulate

from selectolax.lexbor import LexborHTMLParser, LexborNode

from ._limits import DEFAULT_LIMITS, Limits
from ._scan import INVISIBLE
from ._walk import RawBlock, Span, Walk, _tag_ids, walk
from .model import Block

# A block whose link text is more than this share of its text is navigation, not prose.
_MAX_LINK_DENSITY = 0.5
# A link-heavy line of the article with this much text of its own is a sentence that links
# ("Thanks to X, users can now <a>import logins</a>"), not navigation.
_OWN_TEXT_CHARS = 30
# Blocks at least this long count as prose even when not in a <p>.
_PROSE_CHARS = 80
_PROSE_TAGS = _tag_ids("p pre blockquote td")
_NEUTRAL_KINDS = frozenset(("heading",))
# A list (or any other element) of this many blocks whose text is this much link text is a
# list of links to elsewhere, however long the summaries under each link are.
_CLUSTER_BLOCKS = 3
_CLUSTER_LINKED_SHARE = 0.6
_LIST_LINK_DENSITY = 0.5
_BOX_LINK_DENSITY = 0.5
_LISTS = _tag_ids("ul ol dl")
_NEVER_CLUSTER = _tag_ids("html body")
# The container is the smallest element holding this share of the best total.
_NARROW = 0.9
# How far up from the container to look for the other parts of a split story.
_SPLIT_LEVELS = 2
# A container worth less than this (in characters of prose) is not an article.
_MIN_ARTICLE = 200
# Weight of a chrome or navigation character against an article character.
_CHROME_WEIGHT = 1.0
_LINK_WEIGHT = 0.5


def body_blocks(
    tree: LexborHTMLParser,
    title: str | None = None,
    *,
    limits: Limits = DEFAULT_LIMITS,
    invisible: list[LexborNode] | None = None,
) -> tuple[Block, ...]:
    """The body of the page in `tree` as blocks, with a leading copy of `title` left out.
    `invisible` are the page's scripts, styles... when the caller has found them already."""
    root = tree.body or tree.root
    if root is None:
        return ()
    if invisible is None:
        invisible = root.css(INVISIBLE)
    for node in invisible:  # so that element text lengths count visible text only
        node.decompose()
    found = walk(root, limits)
    own_links = [b.link_chars for b in found.blocks]
    _mark_link_clusters(found)
    chosen, gain = _choose(found)
    if chosen is None or gain < _MIN_ARTICLE:
        # Nothing article-sized outside the teaser lists: a section or home page, whose
        # teasers are its content after all.
        for block, links in zip(found.blocks, own_links, strict=True):
            block.link_chars = links
        chosen, _ = _choose(found)
    # Inside the container each line is judged by its own links, not by its list's.
    for block, links in zip(found.blocks, own_links, strict=True):
        block.link_chars = links
    if chosen is None:  # no element stands out (tiny or flat page): keep whatever reads as text
        kept = _kept(found.blocks) or [b for b in found.blocks if b.text]
    else:
        kept = _kept(
            [b for part in _parts(found, chosen) for b in found.blocks[part.start : part.end]]
        )
    return _drop_title(tuple(_to_block(b) for b in kept), title)


def _value(block: RawBlock) -> float:
    """Positive for article text, negative for chrome and navigation, 0 for neutral lines."""
    chars = len(block.text)
    if chars == 0:
        return -_CHROME_WEIGHT * block.chrome_chars
    bad = _CHROME_WEIGHT * block.chrome_chars
    if _linky(block):
        return -_LINK_WEIGHT * chars - bad
    if block.kind in _NEUTRAL_KINDS:
        return -bad
    if block.tag_id in _PROSE_TAGS or chars >= _PROSE_CHARS:
        return chars - block.link_chars - bad
    return -bad


def _mark_link_clusters(found: Walk) -> None:
    """Count every block of a link-heavy list or box (teasers: headline link plus summary) as
    link text, even when each item alone reads like prose."""
    blocks = found.blocks
    chars = [0, *accumulate(len(b.text) for b in blocks)]
    links = [0, *accumulate(b.link_chars for b in blocks)]
    linked = [0, *accumulate(1 if b.link_chars else 0 for b in blocks)]
    filled = [0, *accumulate(1 if b.text else 0 for b in blocks)]
    headlines = [0, *accumulate(1 if b.kind == "heading" and _linky(b) else 0 for b in blocks)]
    orphans = [0, *accumulate(_orphan_prose(blocks))]
    for span in found.spans:
        items = filled[span.end] - filled[span.start]
        if items < _CLUSTER_BLOCKS or span.tag_id in _NEVER_CLUSTER:
            continue
        teasers = headlines[span.end] - headlines[span.start]
        if teasers >= _CLUSTER_BLOCKS and orphans[span.end] - orphans[span.start] <= 1:
            # Linked headlines with a summary or two each: a teaser list, not an article.
            for block in blocks[span.start : span.end]:
                block.link_chars = len(block.text)
            continue
        is_list = span.tag_id in _LISTS
        share = _CLUSTER_LINKED_SHARE if is_list else 1.0
        if linked[span.end] - linked[span.start] < share * items:
            continue
        text = chars[span.end] - chars[span.start]
        limit = _LIST_LINK_DENSITY if is_list else _BOX_LINK_DENSITY
        if links[span.end] - links[span.start] > limit * text:
            for block in blocks[span.start : span.end]:
                block.link_chars = len(block.text)


def _orphan_prose(blocks: list[RawBlock]) -> list[int]:
    """1 for each prose block that does not directly follow a linked headline."""
    out = []
    after_headline = False
    for block in blocks:
        if not block.text:
            out.append(0)
            continue
        out.append(0 if after_headline or _value(block) <= 0 else 1)
        after_headline = block.kind == "heading" and _linky(block)
    return out


def _choose(found: Walk) -> tuple[Span | None, float]:
    """The element with the highest article-minus-chrome total, narrowed to the smallest
    element that keeps nearly all of it (so that a trail of teasers does not ride along),
    and its total."""
    totals = [0.0, *accumulate(_value(b) for b in found.blocks)]
    gains = [totals[span.end] - totals[span.start] for span in found.spans]
    top = max(gains, default=0.0)
    if top <= 0:
        return None, 0.0
    best: Span | None = None
    best_gain = 0.0
    for span, gain in zip(found.spans, gains, strict=True):
        if gain < _NARROW * top:
            continue
        if best is None or span.end - span.start <= best.end - best.start:
            best = span
            best_gain = gain
    return best, best_gain


def _parts(found: Walk, chosen: Span) -> list[Span]:
    """`chosen`, plus the elements of the same tag and classes (digits aside) beside it or
    beside its parent that hold article text: the parts of a story that the page split with
    ads or teasers between them ("story-body-1", "story-body-2"...)."""
    blocks = found.blocks
    element: Span | None = chosen
    for _ in range(_SPLIT_LEVELS):
        if element is None or element.parent is None:
            break
        key = _class_key(element.cls)
        if key:
            parent = element.parent
            tag_id = element.tag_id
            others = [
                span
                for span in found.spans
                if span.parent is parent
                and span is not element
                and span.tag_id == tag_id
                and _class_key(span.cls) == key
                and sum(_value(b) for b in blocks[span.start : span.end]) > 0
            ]
            if others:
                return sorted([chosen, *others], key=lambda span: span.start)
        element = element.parent
    return [chosen]


def _class_key(cls: str | None) -> frozenset[str]:
    return frozenset(cls.translate(_NO_DIGITS).split()) if cls else frozenset()


_NO_DIGITS = str.maketrans("", "", "0123456789")


def _linky(block: RawBlock) -> bool:
    return block.link_chars > _MAX_LINK_DENSITY * len(block.text)


def _kept(blocks: list[RawBlock]) -> list[RawBlock]:
    """The container's text blocks, without lines that are mostly link text and say little
    of their own."""
    return [
        b
        for b in blocks
        if b.text and (not _linky(b) or len(b.text) - b.link_chars >= _OWN_TEXT_CHARS)
    ]


def _to_block(raw: RawBlock) -> Block:
    return Block(raw.kind, raw.text)


def _fold(text: str) -> str:
    return " ".join(text.split()).casefold()


def _drop_title(blocks: tuple[Block, ...], title: str | None) -> tuple[Block, ...]:
    if not blocks or not title:
        return blocks
    wanted = _fold(title)
    for index, block in enumerate(blocks[:3]):
        if _fold(block.text) == wanted:
            return blocks[:index] + blocks[index + 1 :]
    return blocks
