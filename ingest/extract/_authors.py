"""The article's authors, from JSON-LD, <meta>, author markup, then a visible byline.

The first source that names anyone wins; names are cleaned ("By ..."), split and deduplicated.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from typing import Any

from selectolax.lexbor import LexborNode

from ingest.extract._jsonld import JsonLd, types_of
from ingest.extract._meta import HeadTags
from ingest.extract._scan import PageNodes

MAX_AUTHORS = 20
_MAX_NAME_CHARS = 80
_MAX_MARKUP_NODES = 10
_META_KEYS = (
    "author",
    "article:author",
    "article:author_name",
    "dc.creator",
    "dcterms.creator",
    "byl",
    "parsely-author",
    "sailthru.author",
    "citation_author",
)
_BY_PREFIX = re.compile(r"^(?:(?:written|posted|story|text)\s+)?by\b[:\s]*", re.IGNORECASE)
_SPLIT = re.compile(r"\s+(?:and|&)\s+|\s*[;|]\s*|,\s+(?:and\s+)?")
_SPLIT_NO_COMMA = re.compile(r"\s+(?:and|&)\s+|\s*[;|]\s*")
_NAME_WORD = re.compile(r"^[^\W\d_][\w.'’-]*$")


def read_authors(nodes: PageNodes, tags: HeadTags, jsonld: JsonLd) -> tuple[str, ...]:
    """Authors named by the first source that names any, in page order."""
    names = _jsonld_authors(jsonld)
    if not names:
        names = _clean_all(tags.all(*_META_KEYS), split_commas=True)
    if not names:
        names = _clean_all(_markup_names(nodes), split_commas=True)
    if not names:
        names = [name for name in _clean_all(_byline_texts(nodes), True) if _looks_like_name(name)]
    return tuple(names[:MAX_AUTHORS])


def _jsonld_authors(jsonld: JsonLd) -> list[str]:
    if jsonld.article is None:
        return []
    raw = jsonld.article.get("author") or jsonld.article.get("creator")
    entries = raw if isinstance(raw, list) else [raw]
    people: list[str] = []
    others: list[str] = []
    for entry in entries[:MAX_AUTHORS]:
        if isinstance(entry, dict) and set(entry) <= {"@id", "@type"} and "@id" in entry:
            entry = jsonld.by_id(str(entry["@id"])) or entry
        name = _entry_name(entry)
        if name is None:
            continue
        is_person = not isinstance(entry, dict) or "Person" in types_of(entry) or not entry.get(
            "@type"
        )
        (people if is_person else others).append(name)
    # An organisation next to people is the publisher restated, not an author.
    return _clean_all(people or others, split_commas=False)


def _entry_name(entry: Any) -> str | None:
    if isinstance(entry, str):
        return entry
    if isinstance(entry, dict):
        name = entry.get("name")
        if isinstance(name, list):
            name = name[0] if name else None
        if isinstance(name, str):
            return name
    return None


def _markup_names(nodes: PageNodes) -> list[str]:
    names: list[str] = []
    authors = [node for node in nodes.microdata if _has_itemprop(node, "author")]
    for node in authors[:_MAX_MARKUP_NODES]:
        inner = node.css_first('[itemprop~="name" i]')
        target = inner if inner is not None else node
        names.append(target.attributes.get("content") or _text(target))
    for node in nodes.author_links[:_MAX_MARKUP_NODES]:
        names.append(_text(node))
    return [name for name in names if name]


def _has_itemprop(node: LexborNode, prop: str) -> bool:
    return prop in (node.attributes.get("itemprop") or "").lower().split()


def _byline_texts(nodes: PageNodes) -> list[str]:
    classed = nodes.classed()
    for candidates in (classed.bylines, classed.authors):
        texts = [_text(node) for node in candidates[:_MAX_MARKUP_NODES]]
        texts = [text for text in texts if 0 < len(text) <= 2 * _MAX_NAME_CHARS]
        if texts:
            return texts[:3]
    return []


def _text(node: LexborNode) -> str:
    return " ".join(node.text(deep=True, separator=" ").split())


def _clean_all(raw_names: Iterable[str], split_commas: bool) -> list[str]:
    splitter = _SPLIT if split_commas else _SPLIT_NO_COMMA
    seen: set[str] = set()
    names: list[str] = []
    for raw in raw_names:
        text = " ".join(html.unescape(raw).split()) if "&" in raw else " ".join(raw.split())
        for part in splitter.split(_BY_PREFIX.sub("", text)):
            name = _clean_name(part)
            if name and name.casefold() not in seen:
                seen.add(name.casefold())
                names.append(name)
    return names


def _clean_name(text: str) -> str | None:
    name = _BY_PREFIX.sub("", text.strip(" \t\n,;:|-–—·"))
    if not name or len(name) > _MAX_NAME_CHARS:
        return None
    lowered = name.casefold()
    # Profile URLs and handles in author fields are not names.
    if "://" in lowered or lowered.startswith(("www.", "/", "@")) or "@" in lowered:
        return None
    if not any(char.isalpha() for char in name):
        return None
    return name


def _looks_like_name(name: str) -> bool:
    # A visible byline element also holds dates, roles and "Follow" buttons; keep only
    # short runs of words that could be a person's or desk's name.
    words = name.split()
    return 1 <= len(words) <= 5 and all(_NAME_WORD.match(word) for word in words)
