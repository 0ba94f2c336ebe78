"""The page's JSON-LD blocks, parsed leniently and flattened to a list of typed nodes.

Broken, oversized or absurdly nested blobs are skipped with a warning; nothing here raises.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass
from typing import Any

from selectolax.lexbor import LexborNode

MAX_BLOB_CHARS = 2_000_000
MAX_BLOBS = 50
MAX_NODES = 1_000
MAX_DEPTH = 12

ARTICLE_TYPES = frozenset(
    {
        "Article",
        "NewsArticle",
        "AnalysisNewsArticle",
        "AskPublicNewsArticle",
        "BackgroundNewsArticle",
        "OpinionNewsArticle",
        "ReportageNewsArticle",
        "ReviewNewsArticle",
        "BlogPosting",
        "LiveBlogPosting",
        "SocialMediaPosting",
        "DiscussionForumPosting",
        "TechArticle",
        "ScholarlyArticle",
        "Report",
        "SatiricalArticle",
        "AdvertiserContentArticle",
        "Review",
        "Recipe",
        "HowTo",
    }
)
_PAGE_TYPES = frozenset({"WebPage", "ItemPage", "AboutPage", "FAQPage", "QAPage", "VideoObject"})
_TRAILING_COMMA = re.compile(r",\s*([}\]])")
_NESTED_KEYS = ("@graph", "mainEntity", "mainEntityOfPage", "itemReviewed")


@dataclass(frozen=True, slots=True)
class JsonLd:
    """Typed nodes of every JSON-LD block, the article node among them, and what went wrong."""

    nodes: tuple[dict[str, Any], ...]
    article: dict[str, Any] | None
    warnings: tuple[str, ...]

    def by_id(self, node_id: str) -> dict[str, Any] | None:
        """The node a `{"@id": ...}` reference points to."""
        for node in self.nodes:
            if node.get("@id") == node_id:
                return node
        return None

    def first_of_type(self, *types: str) -> dict[str, Any] | None:
        for node in self.nodes:
            if not types_of(node).isdisjoint(types):
                return node
        return None


def read_jsonld(scripts: list[LexborNode]) -> JsonLd:
    """Every `application/ld+json` script of the page, flattened."""
    nodes: list[dict[str, Any]] = []
    warnings: list[str] = []
    if len(scripts) > MAX_BLOBS:
        warnings.append(f"json-ld: {len(scripts)} blocks, only the first {MAX_BLOBS} read")
    for index, script in enumerate(scripts[:MAX_BLOBS]):
        raw = script.text(deep=True)
        if len(raw) > MAX_BLOB_CHARS:
            warnings.append(f"json-ld block {index}: {len(raw)} characters, over the cap, skipped")
            continue
        value = _loads(raw)
        if value is None:
            if raw.strip():
                warnings.append(f"json-ld block {index}: not valid JSON, skipped")
            continue
        _flatten(value, nodes, 0)
    return JsonLd(nodes=tuple(nodes), article=_article_node(nodes), warnings=tuple(warnings))


def _loads(raw: str) -> object:
    text = raw.strip()
    # Old CMSs wrap the block in an HTML comment or CDATA section to hide it from old browsers.
    for opener, closer in (("<!--", "-->"), ("//<![CDATA[", "//]]>"), ("<![CDATA[", "]]>")):
        if text.startswith(opener) and text.endswith(closer):
            text = text[len(opener) : -len(closer)].strip()
    if not text:
        return None
    # The repairs run only after a failure: most blocks are valid and some are large.
    repairs = (lambda: text, lambda: _TRAILING_COMMA.sub(r"\1", text), lambda: html.unescape(text))
    for repair in repairs:
        try:
            return json.loads(repair(), strict=False)
        except (ValueError, RecursionError):
            continue
    return None


def _flatten(value: object, out: list[dict[str, Any]], depth: int) -> None:
    if depth > MAX_DEPTH or len(out) >= MAX_NODES:
        return
    if isinstance(value, list):
        for item in value:
            _flatten(item, out, depth + 1)
        return
    if not isinstance(value, dict):
        return
    if "@type" in value:
        out.append(value)
    for key in _NESTED_KEYS:
        if key in value:
            _flatten(value[key], out, depth + 1)


def types_of(node: dict[str, Any]) -> frozenset[str]:
    """The node's @type values without vocabulary prefixes ("schema:NewsArticle" → NewsArticle)."""
    raw = node.get("@type")
    values = raw if isinstance(raw, list) else [raw]
    return frozenset(
        value.rsplit("/", 1)[-1].rsplit(":", 1)[-1] for value in values if isinstance(value, str)
    )


def _article_node(nodes: list[dict[str, Any]]) -> dict[str, Any] | None:
    # The first article-typed node with a headline is the page's own article; later ones are
    # usually related-article teasers, and a headline-less one (a Review wrapping the product)
    # only describes it. A WebPage with a headline is the fallback.
    articles = [node for node in nodes if not types_of(node).isdisjoint(ARTICLE_TYPES)]
    for node in articles:
        if node.get("headline"):
            return node
    if articles:
        return articles[0]
    for node in nodes:
        if not types_of(node).isdisjoint(_PAGE_TYPES) and "headline" in node:
            return node
    return None


def text_value(value: object) -> str | None:
    """A JSON-LD value as one clean string: the first of a list, `name`/`@value` of an object."""
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, dict):
        value = value.get("name") or value.get("@value")
    if isinstance(value, str):
        cleaned = " ".join(html.unescape(value).split())
        return cleaned or None
    return None
