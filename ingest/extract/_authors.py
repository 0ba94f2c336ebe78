"""The article's authors, from JSON-LD, <meta>, author markup, then a visible byline.

The first source naming a person wins; an organisation only when no source names a person.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable

from selectolax.lexbor import LexborNode

from ingest.extract._jsonld import JsonLd, types_of
from ingest.extract._meta import HeadTags
from ingest.extract._scan import PageNodes, inside_article
from ingest.extract._site import names_site

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
_BY = r"(?:by|von|par|por|door|oleh|di|af|av)"
# "By", "Analysis by", "Reporting by", and labels such as "Text:" or "Autor:".
_BY_PREFIX = re.compile(
    r"^(?:(?:[^\W\d_]+\s+){0,2}" + _BY + r"\b[:\s]*|[^\W\d_]{2,15}:\s+)", re.IGNORECASE
)
# Conjunctions that join two bylines in the languages of _BY; a parenthesis opens a second
# credit ("Martin Untersinger (avec Damien Leloup et Morgane Tual)").
_JOINERS = r"\s+(?:and|und|et|&)\s+|\s*[;|()]\s*|\s+(?:with|avec|mit|con|com)\s+"
_SPLIT = re.compile(_JOINERS + r"|,\s+(?:and\s+)?")
# Structured names keep their commas and parentheses ("Bruno (Henrique Zecchin) Rodrigues").
_SPLIT_NO_COMMA = re.compile(r"\s+(?:and|und|et|&)\s+|\s*;\s*")
_LEADING_WITH = re.compile(r"^(?:with|avec|mit|con|com)\s+", re.IGNORECASE)
_NAME_WORD = re.compile(r"^[^\W\d_][\w.'’-]*$")
_PARTICLES = frozenset(
    "van von der den de del della di da dos das du le la bin ibn al el ter ten zu y e".split()
)
# "Posted on <date> by Admin": a byline that shares its element with the date.
_BY_NAME = re.compile(r"(?:^|\s)" + _BY + r"\s+([^\W\d_][\w.'’-]*(?:\s+[^\W\d_][\w.'’-]*){0,3})")
_MAX_BYLINE_CHARS = 200
_ROLE = re.compile(
    r"\b(?:writer|editor|reporter|correspondent|contributor|columnist|journalist|photographer|"
    r"editor-at-large|analyst|redakteur|rédacteur|redactor|correspondant|corresponsal)\b"
    # "Ad Operations at IAB": a position at an organisation, not a name.
    r"|\s(?:at|@)\s",
    re.IGNORECASE,
)
_DEGREE = re.compile(r"^(?:[A-Z]{2,4}|Ph\.?D\.?|M\.?D\.?|Jr\.?|Sr\.?)$")
# A wire agency written after a reporter's name ("Jill Lawless Associated Press").
_AGENCIES = r"(?:associated press|reuters|afp|ap|dpa|pti|efe|ansa)"
_AGENCY_SUFFIX = re.compile(r"\s+(?:the\s+)?" + _AGENCIES + "$", re.IGNORECASE)
_AGENCY = re.compile(r"^(?:the\s+)?" + _AGENCIES + "$", re.IGNORECASE)
# A visible byline runs on into its date ("By Jeff Foust Monday, November 18, 2019").
_DATE_START = re.compile(
    r"\b(?:mon|tues|wednes|thurs|fri|satur|sun)day\b|(?<!\w)\d|\b(?:updated|published)\b"
    r"|\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+\d",
    re.IGNORECASE,
)
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
    yield _clean_all(_not_site(tags.all(*_META_KEYS), sites), split_commas=True)
    # Markup and class-based bylines are visible text: "View my complete profile" is a link
    # marked rel=author, so these must also look like names.
    yield [name for name in _clean_all(_markup_names(nodes), True) if _looks_like_name(name)]
    classed = nodes.classed()
    for texts in (_short_texts(classed.bylines), _dateline_names(nodes), _author_texts(nodes)):
        yield [name for name in _clean_all(texts, True) if _looks_like_name(name)]


def _not_site(values: list[str], sites: frozenset[str]) -> list[str]:
    # Checked before splitting: "Mac & i" names the site, its halves do not.
    return [value for value in values if not names_site(_BY_PREFIX.sub("", value), sites)]


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
    return _clean_all(people, split_commas=False), _clean_all(others, split_commas=False)


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
        names.append(target.attributes.get("content") or _text(target))
    for node in _story_first(nodes.author_links):
        names.append(_text(node))
    return [name for name in names if name]


def _story_first(candidates: list[LexborNode]) -> list[LexborNode]:
    # Teasers in a sidebar carry bylines too; those inside an <article> are the story's own.
    candidates = candidates[: 4 * _MAX_MARKUP_NODES]
    inside = [node for node in candidates if inside_article(node)]
    return (inside or candidates)[:_MAX_MARKUP_NODES]


def _short_texts(candidates: list[LexborNode]) -> list[str]:
    texts = [_before_date(_text(node)) for node in _story_first(candidates)]
    return [text for text in texts if 0 < len(text) <= 2 * _MAX_NAME_CHARS][:3]


def _before_date(text: str) -> str:
    match = _DATE_START.search(text)
    return text[: match.start()] if match else text


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
        text = _text(parent) if parent is not None else ""
        if len(text) <= _MAX_BYLINE_CHARS:
            names.extend(match.group(1) for match in _BY_NAME.finditer(text))
    # Prose says "killed by troops"; a byline capitalises every word of the name.
    return [name for name in names if all(word[0].isupper() for word in name.split())]


def _text(node: LexborNode) -> str:
    return " ".join(node.text(deep=True, separator=" ").split())


def _clean_all(raw_names: Iterable[str], split_commas: bool) -> list[str]:
    splitter = _SPLIT if split_commas else _SPLIT_NO_COMMA
    parts: list[str] = []
    for raw in raw_names:
        text = " ".join(html.unescape(raw).split()) if "&" in raw else " ".join(raw.split())
        parts.extend(splitter.split(_BY_PREFIX.sub("", text)))
    seen: set[str] = set()
    names: list[str] = []
    for part in _without_roles([name for part in parts if (name := _clean_name(part))]):
        if part.casefold() not in seen:
            seen.add(part.casefold())
            names.append(part)
    return names


def _without_agency(name: str) -> str:
    person = _AGENCY_SUFFIX.sub("", name)
    return person if len(person.split()) >= 2 else name


def _without_roles(names: list[str]) -> list[str]:
    """Names without the job titles, degrees and agency credits that bylines append to them."""
    names = [_without_agency(name) for name in names]
    people = [
        name
        for name in names
        if not _ROLE.search(name) and not _DEGREE.match(name) and not _AGENCY.match(name)
    ]
    # "Staff Reports" or "AP" alone is the whole byline, so it stays.
    return people or names


def _clean_name(text: str) -> str | None:
    name = _LEADING_WITH.sub("", _BY_PREFIX.sub("", text.strip(" \t\n,;:|-–—·")))
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
    if not 1 <= len(words) <= 5 or not all(_NAME_WORD.match(word) for word in words):
        return False
    # Names capitalise every word but their particles ("Ludwig van Beethoven"); "View my
    # complete profile" does not. Scripts without case (CJK) pass, and one-word handles when
    # they look like handles ("rmb8090", "kei_eno") rather than a word of the page ("data").
    if len(words) == 1 and words[0][0].islower():
        return any(char.isdigit() or char == "_" for char in words[0])
    return all(not word[0].islower() or word in _PARTICLES for word in words)
