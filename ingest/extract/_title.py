"""The article's headline, chosen among og:title, JSON-LD headline, <h1> and <title>.

Site-name prefixes and suffixes ("Headline | The Site") are removed by matching the site's name.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from selectolax.lexbor import LexborNode

MAX_TITLE_CHARS = 500
_MAX_H1 = 5
_SEPARATOR = re.compile(r"(\s+[|\-–—:·•»«/~]\s+|\s*[|»«]\s*|\s+::\s+)")
_NOT_ALNUM = re.compile(r"[\W_]+")


def visible_headings(headings: list[LexborNode]) -> list[str]:
    """Texts of the first few <h1> elements, whitespace collapsed."""
    texts = []
    for node in headings[:_MAX_H1]:
        text = " ".join(node.text(deep=True, separator=" ").split())
        if text:
            texts.append(text[:MAX_TITLE_CHARS])
    return texts


def choose_title(
    *,
    declared: Sequence[str | None],
    document_title: str | None,
    headings: Sequence[str],
    site_names: Iterable[str],
) -> str | None:
    """The headline the reader sees.

    `declared` are the page's machine-readable headlines, best first (JSON-LD, og:title, ...).
    A visible <h1> wins when it agrees with one of the declared or <title> candidates, because
    it is what the page shows; otherwise the declared headline, then <title>, then the <h1>.
    """
    sites = {_key(name) for name in site_names if name and _key(name)}
    candidates = [strip_site_name(title, sites) for title in declared if title]
    if document_title:
        candidates.append(strip_site_name(document_title, sites))
    candidates = [title[:MAX_TITLE_CHARS] for title in candidates if title]
    keys = {_key(title) for title in candidates}
    for heading in headings:
        key = _key(heading)
        if key and (key in keys or any(_same_headline(key, other) for other in keys)):
            return heading
    if candidates:
        return candidates[0]
    return headings[0] if headings else None


def _same_headline(heading_key: str, candidate_key: str) -> bool:
    # An <h1> that is the candidate cut short, or the candidate plus a suffix we could not
    # identify as the site ("Headline - Section"), is still the headline.
    if len(heading_key) < 15 or len(candidate_key) < 15:
        return False
    return candidate_key.startswith(heading_key) or heading_key.startswith(candidate_key)


def strip_site_name(title: str, sites: set[str]) -> str:
    """`title` without leading or trailing parts that name the site."""
    title = " ".join(title.split())
    parts = _SEPARATOR.split(title)
    if len(parts) < 3:
        return title
    # parts alternate text, separator, text, ...
    while len(parts) >= 3 and _is_site(parts[-1], sites):
        parts = parts[:-2]
    while len(parts) >= 3 and _is_site(parts[0], sites):
        parts = parts[2:]
    return "".join(parts).strip() or title


def _is_site(part: str, sites: set[str]) -> bool:
    key = _key(part)
    if not key:
        return True
    if key in sites:
        return True
    # "The Verge" against a host key "theverge"; "nytimes.com" against "nytimes".
    if len(key) < 4 or len(key) > 40:
        return False
    return any(len(site) >= 4 and (site in key or key in site) for site in sites)


def _key(text: str) -> str:
    return _NOT_ALNUM.sub("", text.casefold())
