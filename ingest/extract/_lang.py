"""Language tags as pages write them ("en_US", "EN-gb", "en, fr") → BCP 47 ("en-US").

Pages that declare no language get one detected from their text, only when the model is sure.
"""

from __future__ import annotations

import functools
import re

from py3langid.langid import MODEL_FILE, LanguageIdentifier

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


# Below ~100 characters the model guesses; above ~800 it is no more accurate, only slower.
MIN_SAMPLE_CHARS = 100
MAX_SAMPLE_CHARS = 500
MIN_CONFIDENCE = 0.95


@functools.cache
def _identifier() -> LanguageIdentifier:
    # Loading the model takes about half a second, so only pages that need it pay, once.
    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def detect_language(text: str) -> str | None:
    """The language of `text` by langid.py's model, or None when the text is short or mixed."""
    sample = " ".join(text[: MAX_SAMPLE_CHARS * 2].split())[:MAX_SAMPLE_CHARS]
    if len(sample) < MIN_SAMPLE_CHARS:
        return None
    language, confidence = _identifier().classify(sample)
    return normalise_language(language) if confidence >= MIN_CONFIDENCE else None
