"""Publication and modification dates, from JSON-LD, <meta>, <time>, the URL, then text.

Each found date keeps its source and precision; a missing date stays None.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from selectolax.lexbor import LexborNode

from ingest.extract._dates import parse_date, parse_dotted_date, parse_text_date, parse_url_date
from ingest.extract._jsonld import JsonLd
from ingest.extract._meta import HeadTags
from ingest.extract._scan import PageNodes, inside_article, words_of
from ingest.extract.model import DateSource, DateValue

_MAX_NODES = 20
PUBLISHED = ("datePublished", "dateCreated")
_UPDATED_CLASS = re.compile(r"updat|modif", re.IGNORECASE)
MODIFIED = ("dateModified",)
_MAX_TEXT_CHARS = 200
PUBLISHED_META = (
    "article:published_time",
    "og:article:published_time",
    "article:published",
    "datepublished",
    "published_time",
    "og:published_time",
    "og:pubdate",
    "pubdate",
    "publishdate",
    "publish-date",
    "publish_date",
    "publication_date",
    "publication-date",
    "article.published",
    "sailthru.date",
    "parsely-pub-date",
    "dc.date.issued",
    "dcterms.issued",
    "dcterms.created",
    "dc.date.created",
    "dc.date",
    "dcterms.date",
    "citation_publication_date",
    "citation_date",
    "date",
    "ptime",
    "pdate",
    "displaydate",
)
MODIFIED_META = (
    "article:modified_time",
    "og:article:modified_time",
    "article:modified",
    "datemodified",
    "og:updated_time",
    "modified_time",
    "dcterms.modified",
    "dc.date.modified",
    "last-modified",
    "lastmod",
    "utime",
)


def read_published(
    nodes: PageNodes, tags: HeadTags, jsonld: JsonLd, url: str | None
) -> DateValue | None:
    """The publication date from the most reliable source that states one."""
    found = _first_parsed(_declared(nodes, tags, jsonld, PUBLISHED, PUBLISHED_META))
    if found is not None:
        return found
    url_day = parse_url_date(url) if url else None
    timed = _first_parsed((value, "time") for value in _time_elements(nodes))
    # An undeclared <time> may be a teaser's or the site clock's; trust it when the URL agrees.
    if timed is not None and (url_day is None or timed.value.date() == url_day.date()):
        return timed
    if url_day is not None:
        return DateValue(value=url_day, precision="day", source="url")
    return _text_date(nodes)


def read_modified(nodes: PageNodes, tags: HeadTags, jsonld: JsonLd) -> DateValue | None:
    return _first_parsed(_declared(nodes, tags, jsonld, MODIFIED, MODIFIED_META))


def _declared(
    nodes: PageNodes, tags: HeadTags, jsonld: JsonLd, props: tuple[str, ...], keys: tuple[str, ...]
) -> Iterator[tuple[object, DateSource]]:
    """Dates the page declares, best source first; lazy, so later sources cost nothing."""
    article = jsonld.article or {}
    for prop in props:
        yield article.get(prop), "json-ld"
    for value in tags.all(*keys):
        yield value, "meta"
    for value in _marked_up(nodes, props[0]):
        yield value, "time"


def _first_parsed(candidates: Iterable[tuple[object, DateSource]]) -> DateValue | None:
    for raw, source in candidates:
        if isinstance(raw, list):
            raw = raw[0] if raw else None
        if not isinstance(raw, str):
            continue
        parsed = parse_date(raw)
        if parsed is not None:
            return DateValue(value=parsed[0], precision=parsed[1], source=source)
    return None


def _marked_up(nodes: PageNodes, prop: str) -> Iterator[str]:
    # <meta itemprop> is already among the head tags; this finds <time>/<span> microdata.
    wanted = prop.lower()
    for node, props in nodes.microdata:
        if wanted in props:
            attrs = node.attrs
            value = attrs.get("datetime") or attrs.get("content") or words_of(node)
            if value:
                yield value


def _time_elements(nodes: PageNodes) -> list[str]:
    # A page of thousands of <time> elements is a listing; the first hundred are enough.
    times = nodes.times[: 5 * _MAX_NODES]
    # <time class="updated"> is the modification; the publication is elsewhere if anywhere.
    times = [node for node in times if not _UPDATED_CLASS.search(_classes(node))] or times
    dated = [node for node in times if "datetime" in node.attributes]
    declared = [node for node in times if "pubdate" in node.attributes]
    in_article = [node for node in dated if inside_article(node)]
    values = []
    for node in (declared or in_article or dated)[:_MAX_NODES]:
        value = node.attributes.get("datetime") or words_of(node)
        if value:
            values.append(value)
    return values


def _classes(node: LexborNode) -> str:
    return node.attributes.get("class") or ""


def _text_date(nodes: PageNodes) -> DateValue | None:
    """A written date in an element classed as a date, or beside the byline, or in <title>."""
    classed = nodes.classed()
    near_byline = _ancestors((*classed.bylines, *classed.authors)[:_MAX_NODES], levels=2)
    # Elements classed "updated"/"modified" go last: they hold the modification date.
    dates = sorted(
        classed.dates[: 2 * _MAX_NODES], key=lambda n: bool(_UPDATED_CLASS.search(_classes(n)))
    )
    for candidates in (dates, classed.bylines, near_byline):
        for node in candidates[:_MAX_NODES]:
            text = words_of(node)
            if len(text) > _MAX_TEXT_CHARS:
                continue
            parsed = parse_text_date(text)
            if parsed is not None:
                return DateValue(value=parsed[0], precision=parsed[1], source="text")
    title = words_of(nodes.title) if nodes.title is not None else ""
    day = parse_dotted_date(title)
    if day is None:
        parsed = parse_text_date(title)
        day = parsed[0].replace(hour=0, minute=0, second=0) if parsed else None
    return DateValue(value=day, precision="day", source="text") if day is not None else None


def _ancestors(nodes: tuple[LexborNode, ...], levels: int) -> list[LexborNode]:
    # The date is often a sibling of the byline's element ("<span>By X</span><span>date</span>").
    found = []
    for node in nodes:
        parent = node.parent
        for _ in range(levels):
            if parent is None:
                break
            found.append(parent)
            parent = parent.parent
    return found
