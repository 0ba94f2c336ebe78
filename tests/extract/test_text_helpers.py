"""The two ways the extractor measures an element's text: words for bylines and headings,
stripped characters for chrome sizes (pure functions over a parsed snippet)."""

from __future__ import annotations

from selectolax.lexbor import LexborHTMLParser, LexborNode

from ingest.extract._scan import words_of
from ingest.extract._walk import _stripped_chars


def _element(html: str, selector: str) -> LexborNode:
    node = LexborHTMLParser(html).css_first(selector)
    assert node is not None
    return node


def test_words_of_separates_text_nodes_and_ignores_layout_whitespace() -> None:
    node = _element("<div>\n  <span>By</span>\n  <a>Jane</a><b>Doe</b>\t</div>", "div")
    assert words_of(node) == "By Jane Doe"


def test_words_of_keeps_non_breaking_spaces_out_of_words() -> None:
    node = _element("<p>Jane\u00a0Doe <i> </i> Reuters</p>", "p")
    assert words_of(node) == "Jane Doe Reuters"


def test_stripped_chars_counts_each_text_node_stripped() -> None:
    node = _element("<nav>\n  <a> Home </a>\n  <a>News</a>\n  <span>\u00a0</span></nav>", "nav")
    assert _stripped_chars(node) == len("Home") + len("News")


def test_stripped_chars_of_an_empty_element_is_zero() -> None:
    assert _stripped_chars(_element("<aside>\n\n</aside>", "aside")) == 0
