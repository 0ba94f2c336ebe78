"""Whether a piece of a title or byline is just the site's name ("| The Verge", "CNN Business").

Site names come from og:site_name, the JSON-LD publisher and the distinctive label of the host.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_NOT_ALNUM = re.compile(r"[\W_]+")
# A part that contains the site's name plus at most this many characters still names the site
# ("CNN Business", "Sky News UK"); a longer one is a headline that mentions it.
_MAX_EXTRA_CHARS = 12
_MIN_SITE_CHARS = 3


def text_key(text: str) -> str:
    """Letters and digits only, case-folded: how titles and names are compared."""
    return _NOT_ALNUM.sub("", text.casefold())


def site_keys(names: Iterable[str | None]) -> frozenset[str]:
    return frozenset(key for name in names if name and len(key := text_key(name)) >= 2)


def names_site(text: str, sites: frozenset[str], *, strict: bool = False) -> bool:
    """Whether `text` is the site's name, or with `strict=False` the name plus a word or two."""
    key = text_key(text)
    if not key or key in sites:
        return bool(key)
    for site in sites:
        if len(site) < _MIN_SITE_CHARS:
            continue
        if not strict and site in key and len(key) <= len(site) + _MAX_EXTRA_CHARS:
            return True
        # "Guardian" for the host key "theguardian".
        if len(key) >= 4 and key in site:
            return True
    return False
