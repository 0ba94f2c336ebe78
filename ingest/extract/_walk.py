"""One iterative pass over the parsed body: text blocks in document order, and for every
block-level element the range of blocks it holds, so a container can be chosen afterwards.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from selectolax.lexbor import LexborHTMLParser, LexborNode

from ._boiler import element_verdict
from ._limits import Limits
from .model import BlockKind


def _tag_ids(names: str) -> frozenset[int]:
    """Lexbor's numeric ids of the given tag names (comparing ints is cheaper than strings)."""
    factory = LexborHTMLParser("")
    return frozenset(factory.create_node(name).tag_id for name in names.split())


def _comment_id() -> int:
    comment = LexborHTMLParser("<p><!--c--></p>").css_first("p")
    return comment.first_child.tag_id if comment and comment.first_child else -1


# Never rendered as text (or only as widgets), and comments: not descended into at all.
_SKIP = {_comment_id()} | _tag_ids(
    """script style noscript template svg iframe frame frameset object embed canvas video
    audio button select option datalist textarea input head title meta link img picture source
    br hr wbr"""
)
# Page chrome by its tag alone.
_CHROME_TAGS = _tag_ids("nav footer aside header menu dialog")
# Elements whose class or id never marks them as chrome: the page, the article, a caption.
_NEVER_CHROME = _tag_ids("html body main article figcaption")
_BLOCK = _tag_ids(
    """address article aside blockquote body center dd details dialog dir div dl dt fieldset
    figcaption figure footer form h1 h2 h3 h4 h5 h6 header hgroup li main menu nav ol p pre
    section summary table tbody thead tfoot tr ul caption legend"""
)
# Inline formatting whose attributes say nothing about chrome: not worth reading them.
_PLAIN_INLINE = _tag_ids("a b strong i em u s small sup sub abbr code mark cite q time font kbd")
_KIND_NAMES: dict[str, BlockKind] = {
    "h1": "heading", "h2": "heading", "h3": "heading", "h4": "heading", "h5": "heading",
    "h6": "heading", "li": "list_item", "dd": "list_item", "dt": "list_item",
    "blockquote": "quote", "pre": "preformatted", "tr": "table_row",
}  # fmt: skip
_KIND = {next(iter(_tag_ids(name))): kind for name, kind in _KIND_NAMES.items()}
_CELL = _tag_ids("td th")
_TOP = _tag_ids("html body")
_LINK = next(iter(_tag_ids("a")))
_BR = next(iter(_tag_ids("br")))
_HR = next(iter(_tag_ids("hr")))
# A chrome-named element holding this much text is a wrapper with an unlucky class name.
_WRAPPER_CHARS = 2_000
# A core-and-chrome-named element ("entry-meta") is chrome only when it is this small.
_WEAK_CHROME_CHARS = 300
CELL_MARK = "\t"


@dataclass(slots=True)
class RawBlock:
    """Text between two block boundaries, with what the scorer needs to know about it."""

    kind: BlockKind
    text: str
    tag_id: int
    link_chars: int
    chrome_chars: int


@dataclass(slots=True)
class Span:
    """A block-level element as the range of blocks it contains."""

    tag_id: int
    start: int
    end: int = 0
    # The nearest enclosing block element's span, and the element's class attribute: what
    # tells the parts of a story split into sibling elements ("story-body-1", "-2"...).
    parent: Span | None = None
    cls: str | None = None


@dataclass(slots=True)
class Walk:
    """The blocks of a page and the elements that could contain the article."""

    blocks: list[RawBlock] = field(default_factory=list)
    spans: list[Span] = field(default_factory=list)
    truncated: bool = False


def _collapse(text: str, row: bool) -> str:
    """One line, single spaces (NBSP included); table cells joined by " | "."""
    if row and CELL_MARK in text:
        return " | ".join(cell for c in text.split(CELL_MARK) if (cell := " ".join(c.split())))
    return " ".join(text.split())


class _Walker:
    """Accumulates inline text and cuts it into blocks at block-element boundaries."""

    # Slots: the walk reads and updates the counters once per text node.
    __slots__ = (
        "limits",
        "page_chars",
        "largest_named_chrome",
        "walk",
        "pieces",
        "link_chars",
        "chrome_chars",
    )

    def __init__(self, limits: Limits, page_chars: float) -> None:
        self.limits = limits
        # A chrome-named element holding half the page's text is a wrapper, not chrome.
        self.page_chars = page_chars
        # The largest element taken for chrome only because it was small: if it might hold
        # half the page, the page's size decides (see `walk`).
        self.largest_named_chrome = 0
        self.walk = Walk()
        self.pieces: list[str] = []
        self.link_chars = 0
        self.chrome_chars = 0

    def flush(self, kind: BlockKind, tag_id: int) -> None:
        """End the current block (callers check first that there is something to end)."""
        pieces = self.pieces
        text = _collapse("".join(pieces), kind == "table_row") if pieces else ""
        if text or self.chrome_chars:
            blocks = self.walk.blocks
            if len(blocks) >= self.limits.max_blocks:
                self.walk.truncated = True
            else:
                text = text[: self.limits.max_block_chars]
                blocks.append(RawBlock(kind, text, tag_id, self.link_chars, self.chrome_chars))
        pieces.clear()
        self.link_chars = 0
        self.chrome_chars = 0

    def text(self, value: str, link: bool, block_tag: int) -> None:
        if block_tag in _TOP and value[:1] == "<" and value.rstrip()[-1:] == ">":
            return  # stray markup shown as text (an unparsed <noscript>): not prose
        self.pieces.append(value)
        if link:
            self.link_chars += len(value.strip())

    def chrome(self, node: LexborNode, tag_id: int, verdict: int) -> bool:
        """Whether a chrome-tagged or chrome-named element is chrome; if so its text is
        counted as such and it is skipped."""
        if tag_id in _NEVER_CHROME:
            return False
        size = _stripped_chars(node)
        if tag_id not in _CHROME_TAGS:
            limit = _WRAPPER_CHARS if verdict == 2 else _WEAK_CHROME_CHARS
            if size >= limit or size * 2 >= self.page_chars:
                return False
            self.largest_named_chrome = max(self.largest_named_chrome, size)
        self.chrome_chars += size
        return True


def walk(root: LexborNode, limits: Limits) -> Walk:
    """Blocks and spans of `root`, by an explicit-stack depth-first walk (no recursion)."""
    # The page's text size matters only for a chrome-named element holding half of it, which
    # happens on small pages only: the walk assumes a large page, then checks that assumption
    # cheaply and walks again with the real size when it might have been wrong.
    w = _walk(root, limits, float("inf"))
    largest = w.largest_named_chrome
    if largest and 2 * largest >= _known_chars(w.walk, 2 * largest):
        page_chars = _stripped_chars(root)
        if 2 * largest >= page_chars:
            w = _walk(root, limits, page_chars)
    return w.walk


def _stripped_chars(node: LexborNode) -> int:
    """Characters of `node`'s text with each text node stripped, counted in C. Whitespace-only
    nodes strip to nothing, so they are skipped before Python strings are made of them."""
    return len(node.text(deep=True, strip=True, skip_empty=True))


def _known_chars(found: Walk, enough: int) -> int:
    """A lower bound of the page's stripped text length: the non-space characters of its
    blocks (cell separators aside) and the chrome text measured on the way, counted only
    until they exceed `enough` (each block adds a count >= 0)."""
    total = 0
    for block in found.blocks:
        text = block.text
        total += len(text) - text.count(" ") + block.chrome_chars
        if block.kind == "table_row":
            total -= text.count("|")
        if total > enough:
            break
    return total


def _walk(root: LexborNode, limits: Limits, page_chars: float) -> _Walker:
    w = _Walker(limits, page_chars)
    spans = w.walk.spans
    blocks = w.walk.blocks
    pieces = w.pieces
    # A stack entry: (node, block kind, nearest block's tag id, span or None, inside a link).
    top = Span(root.tag_id, 0)
    spans.append(top)
    stack: list[tuple[LexborNode, BlockKind, int, Span | None, bool]] = [
        (root, "paragraph", root.tag_id, top, False)
    ]
    owners = [top]  # the spans of the open block elements
    # The loop runs once per node: module constants read as locals are cheaper to look up.
    skip, plain, chrome_tags = _SKIP, _PLAIN_INLINE, _CHROME_TAGS
    block_tags, cells, top_tags = _BLOCK, _CELL, _TOP
    verdict_of, kinds, new_span = element_verdict, _KIND, Span
    node = root.first_child
    while True:
        if node is None:
            done, kind, block_tag, span, _ = stack.pop()
            if span is not None:
                if pieces or w.chrome_chars:
                    w.flush(kind, block_tag)
                span.end = len(blocks)
                owners.pop()
            if not stack:
                break
            node = done.next
            continue
        tag_id = node.tag_id
        if tag_id == 2:  # text node
            if node.is_empty_text_node:  # whitespace between tags: only a word separator
                if pieces:
                    pieces.append(" ")
            else:
                parent = stack[-1]
                value = node.text_content or ""
                if parent[2] in top_tags:
                    w.text(value, parent[4], parent[2])
                else:  # the common case of `w.text`, inline: most text is in a block
                    pieces.append(value)
                    if parent[4]:
                        w.link_chars += len(value.strip())
            node = node.next
            continue
        parent = stack[-1]
        if tag_id in skip:
            if (tag_id == _BR or tag_id == _HR) and (pieces or w.chrome_chars):
                w.flush(parent[1], parent[2])
            node = node.next
            continue
        verdict = 0
        attrs = None
        if tag_id not in plain:
            attrs = node.attributes
            if attrs:
                verdict = verdict_of(attrs)
        if verdict or tag_id in chrome_tags:
            if verdict < 0 or w.chrome(node, tag_id, verdict):
                node = node.next
                continue
        link = parent[4] or tag_id == _LINK
        child = node.first_child
        if tag_id not in block_tags:
            if tag_id in cells:
                pieces.append(CELL_MARK)
            if child is not None and child.tag_id == 2 and child.next is None:
                # a leaf like <a>text</a>: not descended
                value = child.text_content or ""
                if parent[2] in top_tags:
                    w.text(value, link, parent[2])
                else:
                    pieces.append(value)
                    if link:
                        w.link_chars += len(value.strip())
            elif child is not None:
                stack.append((node, parent[1], parent[2], None, link))
                node = child
                continue
            node = node.next
            continue
        if pieces or w.chrome_chars:
            w.flush(parent[1], parent[2])
        if child is None:  # an empty block holds no text: no span needed
            node = node.next
            continue
        span = new_span(tag_id, len(blocks), 0, owners[-1], attrs.get("class") if attrs else None)
        spans.append(span)
        # A block takes its own kind, else its parent's; a block inside a table row (a <div>
        # in a cell) is a paragraph of its own.
        kind = kinds.get(tag_id) or ("paragraph" if parent[1] == "table_row" else parent[1])
        if child.tag_id == 2 and child.next is None and tag_id not in top_tags:
            # A leaf block like <p>text</p> is its one block at once: no visit to the text.
            if not child.is_empty_text_node:
                value = child.text_content or ""
                pieces.append(value)
                if link:
                    w.link_chars += len(value.strip())
                w.flush(kind, tag_id)
            span.end = len(blocks)
            node = node.next
            continue
        owners.append(span)
        stack.append((node, kind, tag_id, span, link))
        node = child
    return w
