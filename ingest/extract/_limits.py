"""Bounds on the work the extractor does for one page, and the cheap pre-parse checks.

Lexbor's cost grows with tokens × open-element depth, so hostile nesting is cut before parsing.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, slots=True, kw_only=True)
class Limits:
    """How much of a page the extractor is willing to look at."""

    #: Characters of HTML parsed; the rest is dropped with a warning. Real news pages are far below.
    max_chars: int = 5_000_000
    #: Approximate element nesting depth; the document is cut where it goes deeper.
    max_depth: int = 1_000
    #: Characters kept per body block (a single block longer than this is truncated).
    max_block_chars: int = 100_000
    #: Body blocks kept per page.
    max_blocks: int = 5_000


DEFAULT_LIMITS = Limits()

# Lexbor's worst case is tokens × depth; with at most this many tags it stays well under a
# second however they nest, so the depth scan is skipped (a page is never shorter than 5
# characters per tag, which spares counting on small pages).
_SCAN_DEPTH_ABOVE_TAGS = 10_000

_SCRIPT_OPEN = re.compile(r"<script\b[^>]{0,2000}>", re.IGNORECASE)
_SCRIPT_CLOSE = re.compile(r"</script\s*>", re.IGNORECASE)
# Elements that never hold children or whose end tag the parser supplies on its own:
# they do not deepen the tree, so the depth estimate ignores them.
_NO_DEPTH = frozenset(
    "area base br col embed hr img input link meta param source track wbr "
    "p li dt dd td th tr tbody thead tfoot option optgroup rt rp colgroup".split()
)
# A start or end tag that changes the depth (group 1 is "/" for an end tag): not one of
# _NO_DEPTH by its name (up to 31 characters, any case) and not self-closing. The regex skips
# the others itself, so the depth is then computed over all tags at once.
_DEPTH_TAG = re.compile(
    r"<(/?)(?!(?:" + "|".join(sorted(_NO_DEPTH)) + r")(?![a-zA-Z0-9-]))"
    r"[a-zA-Z][a-zA-Z0-9-]{0,30}[^<>]{0,2000}(?<!/)>",
    re.ASCII | re.IGNORECASE,
)


def drop_scripts(html: str) -> str:
    """Remove the bodies of executable scripts (JSON-LD and other data blocks stay).

    Done with `find`-style scans so an unclosed `<script` cannot make this quadratic.
    """
    if "<script" not in html and "<SCRIPT" not in html:
        return html
    parts: list[str] = []
    pos = 0
    while True:
        opening = _SCRIPT_OPEN.search(html, pos)
        if opening is None:
            break
        closing = _SCRIPT_CLOSE.search(html, opening.end())
        if closing is None:
            break
        if "ld+json" in opening.group(0).lower():
            parts.append(html[pos : closing.end()])
        else:
            parts.append(html[pos : opening.start()])
        pos = closing.end()
    if not parts:
        return html
    parts.append(html[pos:])
    return "".join(parts)


def depth_cut(html: str, max_depth: int) -> int | None:
    """Offset where the estimated nesting depth first exceeds `max_depth`, else None."""
    if len(html) <= 5 * _SCAN_DEPTH_ABOVE_TAGS or html.count("<") <= _SCAN_DEPTH_ABOVE_TAGS:
        return None
    # A Python loop over tens of thousands of tags costs more than parsing them: the regex
    # lists the tags in C and numpy sums their steps (+1 start, -1 end tag).
    closing = np.fromiter(map(len, _DEPTH_TAG.findall(html)), dtype=np.int64)
    if not closing.size:
        return None
    total = np.cumsum(1 - 2 * closing)
    # An end tag never takes the depth below 0: the depth is the running sum less its
    # lowest point so far (when below 0).
    depth = total - np.minimum(np.minimum.accumulate(total), 0)
    deeper = np.flatnonzero(depth > max_depth)
    if not deeper.size:
        return None
    # Only the offset of that one tag is needed; finding it again is rare (hostile pages).
    tag = next(itertools.islice(_DEPTH_TAG.finditer(html), int(deeper[0]), None))
    return tag.start()


def bound_html(html: str, limits: Limits) -> tuple[str, tuple[str, ...]]:
    """The part of `html` that is safe to parse, and warnings about what was cut."""
    warnings: list[str] = []
    if len(html) > limits.max_chars:
        # Inline scripts can make a page large without adding text; drop them before cutting.
        html = drop_scripts(html[: limits.max_chars * 4])
    if len(html) > limits.max_chars:
        warnings.append(f"html longer than {limits.max_chars} characters: the rest was ignored")
        html = html[: limits.max_chars]
    cut = depth_cut(html, limits.max_depth)
    if cut is not None:
        warnings.append(f"elements nested deeper than {limits.max_depth}: the rest was ignored")
        html = html[:cut]
    return html, tuple(warnings)
