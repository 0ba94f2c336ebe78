"""Author names cleaned from bylines: "By A, Staff writer and B Associated Press" → A, B.

Splits joined bylines; drops prefixes, job titles, degrees, agency credits; tells names apart.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable

MAX_NAME_CHARS = 80
BY = r"(?:by|von|par|por|door|oleh|di|af|av)"
# "By", "Analysis by", "Reporting by", and labels such as "Text:" or "Autor:".
_BY_PREFIX = re.compile(
    r"^(?:(?:[^\W\d_]+\s+){0,2}" + BY + r"\b[:\s]*|[^\W\d_]{2,15}:\s+)", re.IGNORECASE
)
# Conjunctions that join two bylines in the languages of BY; a parenthesis opens a second
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


def before_date(text: str) -> str:
    match = _DATE_START.search(text)
    return text[: match.start()] if match else text


def clean_names(raw_names: Iterable[str], split_commas: bool) -> list[str]:
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
    if not name or len(name) > MAX_NAME_CHARS:
        return None
    lowered = name.casefold()
    # Profile URLs and handles in author fields are not names.
    if "://" in lowered or lowered.startswith(("www.", "/", "@")) or "@" in lowered:
        return None
    if not any(char.isalpha() for char in name):
        return None
    return name


def looks_like_name(name: str) -> bool:
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


def strip_byline_prefix(text: str) -> str:
    """`text` without a leading "By", "Analysis by" or "Text:"."""
    return _BY_PREFIX.sub("", text)
