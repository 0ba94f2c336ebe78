"""The article's authors, from JSON-LD, <meta>, author markup, then a visible byline.

The first source naming a person wins; an organisation only when no source names a person.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from selectolax.lexbor import LexborNode

from ingest.extract._jsonld import JsonLd, types_of
from ingest.extract._meta import HeadTags
from ingest.extract._names import (
    BY,
    MAX_NAME_CHARS,
    before_date,
    clean_names,
    looks_like_name,
    strip_byline_prefix,
)
from ingest.extract._scan import PageNodes, inside_article, words_of
from ingest.extract._site import names_site

MAX_AUTHORS = 20
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
# "Posted on <date> by Admin": a byline that shares its element with the date.
_BY_NAME = re.compile(r"(?:^|\s)" + BY + r"\s+([^\W\d_][\w.'’-]*(?:\s+[^\W\d_][\w.'’-]*){0,3})")
_MAX_BYLINE_CHARS = 200
_COMMENT_OR_FORM = re.compile(r"comment|form|reply", re.IGNORECASE)


def read_authors(
    nodes: PageNodes, tags: HeadTags, jsonld: JsonLd, sites: frozenset[str]
) -> tuple[str, ...]:
    """Authors named by the first source that names a person, in page order."""
    people, organisations = _jsonld_authors(jsonld)
    if people:
        return tuple(people[:MAX_AUTHORS])
    for names in _fallback_sources(nodes, tags, sites):
        # A byline that only restates the site ("CNN Business", "Mac & i") names no author.
        names = [name for name in names if not names_site(name, sites)]
        if names:
            return tuple(names[:MAX_AUTHORS])
    return tuple(organisations[:MAX_AUTHORS])


def _fallback_sources(
    nodes: PageNodes, tags: HeadTags, sites: frozenset[str]
) -> Iterable[list[str]]:
    # A generator, so that a page whose <meta> names the author never pays for the searches.
    yield clean_names(_not_site(tags.all(*_META_KEYS), sites), split_commas=True)
    # Markup and class-based bylines are visible text: "View my complete profile" is a link
    # marked rel=author, so these must also look like names.
    yield [name for name in clean_names(_markup_names(nodes), True) if looks_like_name(name)]
    classed = nodes.classed()
    for texts in (_short_texts(classed.bylines), _dateline_names(nodes), _author_texts(nodes)):
        yield [name for name in clean_names(texts, True) if looks_like_name(name)]


def _not_site(values: list[str], sites: frozenset[str]) -> list[str]:
    # Checked before splitting: "Mac & i" names the site, its halves do not.
    return [value for value in values if not names_site(strip_byline_prefix(value), sites)]


def _jsonld_authors(jsonld: JsonLd) -> tuple[list[str], list[str]]:
    """People and organisations the article node credits, cleaned."""
    if jsonld.article is None:
        return [], []
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
        is_person = (
            not isinstance(entry, dict) or "Person" in types_of(entry) or not entry.get("@type")
        )
        (people if is_person else others).append(name)
    return clean_names(people, split_commas=False), clean_names(others, split_commas=False)


def _entry_name(entry: object) -> str | None:
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
    authors = _story_first([node for node, props in nodes.microdata if "author" in props])
    for node in authors:
        inner = node.css_first('[itemprop~="name" i]')
        target = inner if inner is not None else node
        names.append(target.attributes.get("content") or words_of(target))
    for node in _story_first(nodes.author_links):
        names.append(words_of(node))
    return [name for name in names if name]


def _story_first(candidates: list[LexborNode]) -> list[LexborNode]:
    # Teasers in a sidebar carry bylines too; those inside an <article> are the story's own.
    candidates = candidates[: 4 * _MAX_MARKUP_NODES]
    inside = [node for node in candidates if inside_article(node)]
    return (inside or candidates)[:_MAX_MARKUP_NODES]


def _short_texts(candidates: list[LexborNode]) -> list[str]:
    texts = [before_date(words_of(node)) for node in _story_first(candidates)]
    return [text for text in texts if 0 < len(text) <= 2 * MAX_NAME_CHARS][:3]


def _author_texts(nodes: PageNodes) -> list[str]:
    # "comment-author" and "comment-form-author" belong to readers' comments, not the article.
    candidates = [
        node
        for node in nodes.classed().authors
        if not _COMMENT_OR_FORM.search(node.attributes.get("class") or "")
    ]
    return _short_texts(candidates)


def _dateline_names(nodes: PageNodes) -> list[str]:
    names = []
    for node in nodes.classed().dates[:_MAX_MARKUP_NODES]:
        parent = node.parent
        text = words_of(parent) if parent is not None else ""
        if len(text) <= _MAX_BYLINE_CHARS:
            names.extend(match.group(1) for match in _BY_NAME.finditer(text))
    # Prose says "killed by troops"; a byline capitalises every word of the name.
    return [name for name in names if all(word[0].isupper() for word in name.split())]
