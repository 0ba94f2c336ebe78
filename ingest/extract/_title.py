"""The article's headline, chosen among og:title, JSON-LD headline, <h1> and <title>.

Site-name prefixes and suffixes ("Headline | The Site") are removed by matching the site's name.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from selectolax.lexbor import LexborNode

from ingest.extract._scan import words_of
from ingest.extract._site import names_site, text_key

MAX_TITLE_CHARS = 500
_MAX_H1 = 5
_WORD = re.compile(r"\w+")
_MIN_SIMILAR_WORDS = 4
_MIN_WORD_OVERLAP = 0.75
_MIN_DOMINANT_WORDS = 4
_SEPARATOR_CHARS = "|-–—:·•»«/~｜_"
# Spaced dashes and colons; bars and guillemets with or without spaces; the fullwidth bar and
# the underscore that Chinese and Japanese titles use unspaced ("标题_频道_网站").
_SEPARATOR = re.compile(r"(\s+[|\-–—:·•»«/~]\s+|\s*[|»«｜]\s*|\s+::\s+|\s*_\s*(?=[^\x00-\x7f]))")


def visible_headings(headings: list[LexborNode]) -> list[str]:
    """Texts of the first few <h1> elements, whitespace collapsed."""
    texts = []
    for node in headings[:_MAX_H1]:
        # Documentation sites end headings with a permalink glyph ("Install ¶").
        text = words_of(node).rstrip(" ¶#§🔗")
        if text:
            texts.append(text[:MAX_TITLE_CHARS])
    return texts


def choose_title(
    *,
    declared: Sequence[str | None],
    document_title: str | None,
    headings: Sequence[str],
    sites: frozenset[str],
) -> str | None:
    """The headline the reader sees.

    `declared` are the page's machine-readable headlines, best first (JSON-LD, og:title, ...).
    A visible <h1> wins when it agrees with one of the declared or <title> candidates, because
    it is what the page shows; otherwise the declared headline, then <title>, then the <h1>.
    """
    # og:title, twitter:title and the JSON-LD headline are usually the same string.
    raw = dict.fromkeys(title for title in (*declared, document_title) if title)
    candidates = [strip_site_name(title, sites)[:MAX_TITLE_CHARS] for title in raw]
    # A section front or a lazy template sets og:title to exactly the site's own name (only
    # exactly: "Google I/O 2019" is a headline that contains one).
    candidates = [title for title in candidates if title and text_key(title) not in sites]
    candidates = list(dict.fromkeys(candidates))
    keys = {text_key(title) for title in candidates}
    for heading in headings:
        key = text_key(heading)
        if key and (key in keys or any(_same_headline(key, other) for other in keys)):
            return heading
    for heading in headings:
        if any(_same_words(heading, title) for title in candidates):
            return heading
    if candidates and not any(declared):
        # Only <title>: "Headline | Section | Author Name" names no site we know, but one part
        # that dwarfs the others is the headline.
        return _dominant_part(candidates[0])
    if candidates:
        return candidates[0]
    return headings[0] if headings else None


def _dominant_part(title: str) -> str:
    parts = [part.strip() for part in _SEPARATOR.split(title)[::2]]
    words = [_word_count(part) for part in parts]
    if len(parts) < 2:
        return title
    longest = max(range(len(parts)), key=words.__getitem__)
    others = [count for index, count in enumerate(words) if index != longest]
    if words[longest] >= _MIN_DOMINANT_WORDS and words[longest] >= 2 * max(others):
        return parts[longest]
    return title


def _word_count(text: str) -> float:
    # Chinese and Japanese put no spaces between words, which run about two characters long.
    wide = sum(1 for char in text if _is_wide(char))
    spaced = sum(1 for word in text.split() if not all(_is_wide(char) for char in word))
    return spaced + wide / 2


def _is_wide(char: str) -> bool:
    return unicodedata.east_asian_width(char) in "WF"


def _same_headline(heading_key: str, candidate_key: str) -> bool:
    # An <h1> that is the candidate cut short, or the candidate plus a suffix we could not
    # identify as the site ("Headline - Section"), is still the headline.
    if len(heading_key) < 15 or len(candidate_key) < 15:
        return False
    return candidate_key.startswith(heading_key) or heading_key.startswith(candidate_key)


def _same_words(heading: str, candidate: str) -> bool:
    # The visible headline often adds or drops a word or two against <title> ("Skyrim (skyrim)
    # speed"); mostly the same words is still the same headline.
    heading_words = set(_WORD.findall(heading.casefold()))
    candidate_words = set(_WORD.findall(candidate.casefold()))
    if min(len(heading_words), len(candidate_words)) < _MIN_SIMILAR_WORDS:
        return False
    shared = len(heading_words & candidate_words)
    return shared / len(heading_words | candidate_words) >= _MIN_WORD_OVERLAP


def strip_site_name(title: str, sites: frozenset[str]) -> str:
    """`title` without leading or trailing parts that name the site."""
    title = " ".join(title.split())
    if not any(char in title for char in _SEPARATOR_CHARS):
        return title
    parts = _SEPARATOR.split(title)
    if len(parts) < 3:
        return title
    # parts alternate text, separator, text, ...
    while len(parts) >= 3 and _is_site_part(parts[-1], sites, strict=False):
        parts = parts[:-2]
    # A prefix must be the name itself: "Google I/O 2019 - Keynote" starts with a headline.
    while len(parts) >= 3 and _is_site_part(parts[0], sites, strict=True):
        parts = parts[2:]
    return "".join(parts).strip() or title


def _is_site_part(part: str, sites: frozenset[str], *, strict: bool) -> bool:
    return not text_key(part) or names_site(part, sites, strict=strict)
