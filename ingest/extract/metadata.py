"""The page's metadata (title, authors, dates, language, URLs, tags, ...) read from a parsed tree.

Machine-readable sources (JSON-LD, <meta>, <link>) come first, visible markup second; never guesses.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urljoin, urlsplit

from selectolax.lexbor import LexborHTMLParser

from ingest.extract._authors import read_authors
from ingest.extract._jsonld import JsonLd, read_jsonld, text_value, types_of
from ingest.extract._lang import read_language
from ingest.extract._meta import HeadTags, read_head_tags
from ingest.extract._published import read_modified, read_published
from ingest.extract._scan import PageNodes, scan
from ingest.extract._site import site_keys
from ingest.extract._title import choose_title, visible_headings
from ingest.extract.model import Extracted

MAX_TAGS = 50
MAX_FIELD_CHARS = 2_000
_IMAGE_META = (
    "og:image",
    "og:image:url",
    "og:image:secure_url",
    "twitter:image",
    "twitter:image:src",
    "thumbnailurl",
)


def read_metadata(
    tree: LexborHTMLParser, url: str | None, *, nodes: PageNodes | None = None
) -> Extracted:
    """Everything but the body (`blocks` stays empty); reads `tree` without changing it.
    `nodes` is `scan(tree)` when the caller has it already."""
    if nodes is None:
        nodes = scan(tree)
    tags = read_head_tags(nodes)
    jsonld = read_jsonld(nodes.scripts)
    article = jsonld.article or {}
    base = _base_url(tags, url)
    site_name = _site_name(tags, jsonld)
    canonical = _absolute(base, tags.link("canonical")) or _absolute(base, tags.first("og:url"))
    language, language_source = read_language(tree, nodes.html, tags, article)
    sites = site_keys(
        [site_name, tags.first("application-name"), *(_host_key(u) for u in (url, canonical) if u)]
    )
    return Extracted(
        title=_title(nodes, tags, article, sites),
        authors=read_authors(nodes, tags, jsonld, sites),
        published=read_published(nodes, tags, jsonld, url or canonical),
        modified=read_modified(nodes, tags, jsonld),
        language=language,
        language_source=language_source,
        canonical_url=canonical,
        amp_url=_absolute(base, tags.link("amphtml")),
        site_name=site_name,
        description=_clip(
            tags.first("og:description", "description", "twitter:description")
            or text_value(article.get("description"))
        ),
        section=_clip(
            tags.first("article:section", "section", "parsely-section")
            or text_value(article.get("articleSection"))
        ),
        tags=_tags(tags, article),
        image=_image(base, tags, article),
        is_free_access=_free_access(article),
        page_type=_page_type(tags, article),
        url=url,
        warnings=jsonld.warnings,
    )


def _title(
    nodes: PageNodes,
    tags: HeadTags,
    article: dict[str, Any],
    sites: frozenset[str],
) -> str | None:
    title_node = nodes.title
    document_title = title_node.text(deep=True) if title_node is not None else None
    declared = [
        text_value(article.get("headline")),
        tags.first("og:title"),
        tags.first("twitter:title"),
        tags.first("title", "dc.title", "headline", "sailthru.title", "parsely-title"),
    ]
    return choose_title(
        declared=declared,
        document_title=document_title,
        headings=visible_headings(nodes.headings),
        sites=sites,
    )


def _host_key(url: str) -> str:
    """The distinctive label of a host: "www.theverge.com" → "theverge"."""
    try:
        host = urlsplit(url).hostname or ""
    except ValueError:  # "http://[::1": urllib rejects malformed IPv6 hosts
        return ""
    labels = [label for label in host.split(".") if label not in {"www", "m", "amp"}]
    return max(labels[:-1] or labels, key=len, default="")


def _site_name(tags: HeadTags, jsonld: JsonLd) -> str | None:
    publisher = (jsonld.article or {}).get("publisher")
    if isinstance(publisher, dict) and set(publisher) <= {"@id", "@type"} and "@id" in publisher:
        publisher = jsonld.by_id(str(publisher["@id"]))
    website = jsonld.first_of_type("WebSite") or {}
    return _clip(
        tags.first("og:site_name")
        or text_value(publisher)
        or text_value(website.get("name"))
        or tags.first("application-name", "apple-mobile-web-app-title")
    )


def _base_url(tags: HeadTags, url: str | None) -> str | None:
    if url is not None and not _is_web_url(url):
        url = None
    if tags.base_href is None:
        return url
    return _absolute(url, tags.base_href) or url


def _absolute(base: str | None, href: str | None) -> str | None:
    """`href` resolved against `base`, if that gives an http(s) URL with a host."""
    if not href:
        return None
    try:
        resolved = urljoin(base or "", href.strip())
    except ValueError:  # malformed IPv6 host in `base` or `href`
        return None
    return resolved if _is_web_url(resolved) else None


def _is_web_url(url: str) -> bool:
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme in {"http", "https"} and bool(parts.netloc)


def _tags(tags: HeadTags, article: dict[str, Any]) -> tuple[str, ...]:
    raw: list[str] = list(tags.all("article:tag", "news_keywords", "keywords"))
    keywords = article.get("keywords")
    if isinstance(keywords, list):
        raw.extend(value for value in keywords if isinstance(value, str))
    elif isinstance(keywords, str):
        raw.append(keywords)
    seen: set[str] = set()
    found: list[str] = []
    for value in raw:
        # Some pages stuff thousands of keywords into one tag; only the first few are read.
        for part in value.split(",", MAX_TAGS)[:MAX_TAGS]:
            tag = " ".join(part.split())
            if tag and len(tag) <= 100 and tag.casefold() not in seen:
                seen.add(tag.casefold())
                found.append(tag)
        if len(found) >= MAX_TAGS:
            break
    return tuple(found[:MAX_TAGS])


def _image(base: str | None, tags: HeadTags, article: dict[str, Any]) -> str | None:
    image = article.get("image")
    if isinstance(image, list):
        image = image[0] if image else None
    if isinstance(image, dict):
        image = image.get("url") or image.get("contentUrl")
    candidates = [*tags.all(*_IMAGE_META), image if isinstance(image, str) else None]
    candidates.append(tags.link("image_src"))
    for candidate in candidates:
        resolved = _absolute(base, candidate)
        if resolved is not None:
            return resolved
    return None


def _free_access(article: dict[str, Any]) -> bool | None:
    value = article.get("isAccessibleForFree")
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().casefold() in {"true", "false"}:
        return value.strip().casefold() == "true"
    return None


def _page_type(tags: HeadTags, article: dict[str, Any]) -> str | None:
    types = sorted(types_of(article))
    if types:
        # A node typed ["Article", "NewsArticle"] is a NewsArticle: keep the most specific.
        specific = [name for name in types if name not in {"Article", "CreativeWork", "Thing"}]
        return (specific or types)[0]
    return _clip(tags.first("og:type"))


def _clip(value: str | None) -> str | None:
    return value[:MAX_FIELD_CHARS] if value else None
