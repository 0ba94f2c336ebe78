"""read_metadata on random and hostile pages: it returns an Extracted, never raises, stays bounded.

Hypothesis builds pages from the tags the reader looks at, filled with random and malformed values.
"""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from selectolax.lexbor import LexborHTMLParser

from ingest.extract.metadata import read_metadata
from ingest.extract.model import Extracted

_KEYS = [
    "og:title", "article:published_time", "author", "article:author", "og:url", "og:image",
    "keywords", "article:tag", "og:locale", "content-language", "og:site_name", "date",
]  # fmt: skip
_URLS = ["http://[::1", "https://ex.com/2021/13/45/x", "javascript:alert(1)", "//x", "", "%zz"]
_TEXT = st.text(max_size=60) | st.sampled_from(_URLS + ["2021-02-30", "0000-00-00T99:99"])
_JSON_KEYS = st.sampled_from(
    "@type @graph @id author name headline datePublished mainEntity publisher image keywords "
    "isAccessibleForFree url".split()
)
_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | _TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_JSON_KEYS, inner, max_size=5),
    max_leaves=12,
)


def _attr(text: str) -> str:
    return text.replace("&", "&amp;").replace('"', "&quot;")


@st.composite
def hostile_pages(draw: st.DrawFn) -> str:
    parts = []
    for _ in range(draw(st.integers(0, 6))):
        key, value = draw(st.sampled_from(_KEYS)), draw(_TEXT)
        parts.append(f'<meta property="{key}" content="{_attr(value)}">')
    for _ in range(draw(st.integers(0, 2))):
        blob = json.dumps(draw(_JSON))
        if draw(st.booleans()):
            blob = blob[: draw(st.integers(0, len(blob)))]  # truncated: broken JSON
        parts.append(f'<script type="application/ld+json">{blob}</script>')
    for tag in draw(st.lists(st.sampled_from(["h1", "time", "title", "p", "li"]), max_size=5)):
        attrs = f' datetime="{_attr(draw(_TEXT))}" class="date byline author"'
        parts.append(f"<{tag}{attrs}>{_attr(draw(_TEXT))}</{tag}>")
    for rel in draw(st.lists(st.sampled_from(["canonical", "amphtml", "author"]), max_size=3)):
        parts.append(f'<link rel="{rel}" href="{_attr(draw(_TEXT))}"><a rel="{rel}">x</a>')
    lang = _attr(draw(_TEXT))
    return f'<html lang="{lang}"><head>{"".join(parts)}</head><body>{draw(_TEXT)}</body></html>'


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(html=hostile_pages(), url=st.none() | st.sampled_from(_URLS))
def test_random_metadata_never_raises(html: str, url: str | None) -> None:
    tree = LexborHTMLParser(html)
    before = tree.html
    extracted = read_metadata(tree, url)
    assert isinstance(extracted, Extracted)
    assert tree.html == before  # the body extractor prunes this same tree afterwards
    for value in (extracted.canonical_url, extracted.amp_url, extracted.image):
        assert value is None or value.startswith(("http://", "https://"))


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=2_000))
def test_arbitrary_text_never_raises(text: str) -> None:
    assert isinstance(read_metadata(LexborHTMLParser(text), None), Extracted)


def test_many_tags_and_a_long_keyword_list_are_capped() -> None:
    keywords = ",".join(f"tag{i}" for i in range(100_000))
    metas = '<meta property="article:tag" content="x">' * 20_000
    html = f'<html><head><meta name="keywords" content="{keywords}">{metas}</head></html>'
    extracted = read_metadata(LexborHTMLParser(html), None)
    assert len(extracted.tags) == 50


def test_deeply_nested_markup_does_not_recurse() -> None:
    # Lexbor's own parse time grows with the square of the depth (extract() bounds the depth
    # before parsing); 3,000 levels is past Python's recursion limit, which is the point here.
    html = "<div>" * 3_000 + '<time datetime="2020-01-02">x</time>' + "</div>" * 3_000
    extracted = read_metadata(LexborHTMLParser(html), None)
    assert extracted.published is not None
