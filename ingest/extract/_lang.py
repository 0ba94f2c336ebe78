"""Language tags as pages write them ("en_US", "EN-gb", "en, fr") → BCP 47 ("en-US").

Values that are not language tags (template placeholders, "none") give None.
"""

from __future__ import annotations

import re

_TAG = re.compile(r"^([a-zA-Z]{2,3})((?:-[a-zA-Z0-9]{1,8})*)$")
_NOT_LANGUAGES = frozenset({"und", "mul", "zxx", "xx"})


def normalise_language(raw: str | None) -> str | None:
    """The first language tag in `raw`, primary subtag lower-case, region upper-case."""
    if not raw:
        return None
    first = raw.replace("_", "-").split(",")[0].split(";")[0].strip()
    match = _TAG.match(first)
    if match is None:
        return None
    primary = match.group(1).lower()
    if primary in _NOT_LANGUAGES:
        return None
    subtags = [primary]
    for subtag in match.group(2).split("-")[1:]:
        if len(subtag) == 2 and subtag.isalpha():
            subtags.append(subtag.upper())
        elif len(subtag) == 4 and subtag.isalpha():
            subtags.append(subtag.title())
        else:
            subtags.append(subtag.lower())
    return "-".join(subtags)
