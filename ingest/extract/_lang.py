"""Language tags as pages write them ("en_US", "EN-gb", "en, fr") → BCP 47 ("en-US").

Pages that declare no language get one detected from their text, only when the model is sure.
"""

from __future__ import annotations

import functools
import re
from typing import Any

from py3langid.langid import MODEL_FILE, LanguageIdentifier
from selectolax.lexbor import LexborHTMLParser, LexborNode

from ingest.extract._jsonld import text_value
from ingest.extract._meta import HeadTags
from ingest.extract.model import LanguageSource

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


# Below ~100 characters the model guesses; 300 settle most pages, 800 most of the rest (its
# time grows with the text, and beyond that it gains little).
MIN_SAMPLE_CHARS = 100
MAX_SAMPLE_CHARS = 300
SECOND_SAMPLE_CHARS = 800
MIN_CONFIDENCE = 0.95
_MAX_SAMPLE_BLOCKS = 150
_MIN_SAMPLE_BLOCK = 40
# Whole-body text would include <script> and <style> contents, which read as English.
_TEXT_BLOCKS = "p, li, td, dd, blockquote"
_SENTENCE_END = re.compile(r"[.!?;:,]\s|[。、，！？]")
_LANGUAGE_META = ("content-language", "language", "dc.language", "dcterms.language", "og:locale")


@functools.cache
def _identifier() -> LanguageIdentifier:
    # Loading the model takes about half a second, so only pages that need it pay, once.
    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def detect_language(text: str) -> str | None:
    """The language of `text` by langid.py's model, or None when the text is short or mixed."""
    sample = " ".join(text[: SECOND_SAMPLE_CHARS * 2].split())
    if len(sample) < MIN_SAMPLE_CHARS:
        return None
    # The model's time grows with the text: a short sample settles most pages, a longer one
    # is read only when the short one leaves the model unsure.
    language, confidence = _identifier().classify(sample[:MAX_SAMPLE_CHARS])
    if confidence < MIN_CONFIDENCE and len(sample) > MAX_SAMPLE_CHARS:
        language, confidence = _identifier().classify(sample[:SECOND_SAMPLE_CHARS])
    return normalise_language(language) if confidence >= MIN_CONFIDENCE else None


def read_language(
    tree: LexborHTMLParser, root: LexborNode | None, tags: HeadTags, article: dict[str, Any]
) -> tuple[str | None, LanguageSource | None]:
    """The declared language (<html lang>, then <meta>/JSON-LD), else a confident detection."""
    declared = normalise_language(root.attributes.get("lang") if root is not None else None)
    if declared is None and root is not None:
        declared = normalise_language(root.attributes.get("xml:lang"))
    if declared is not None:
        return declared, "html-lang"
    for value in (*tags.all(*_LANGUAGE_META), text_value(article.get("inLanguage"))):
        language = normalise_language(value)
        if language is not None:
            return language, "meta"
    detected = detect_language(text_sample(tree))
    return (detected, "detected") if detected is not None else (None, None)


def text_sample(tree: LexborHTMLParser) -> str:
    """The first blocks of running text: paragraphs first, then list items and cells."""
    nodes = tree.css(_TEXT_BLOCKS)[:_MAX_SAMPLE_BLOCKS]
    # Menus are lists; articles are paragraphs. Other blocks count only when <p> is scarce.
    paragraphs = [node for node in nodes if node.tag == "p"]
    others = [node for node in nodes if node.tag != "p"]
    parts: list[str] = []
    size = 0
    for node in (*paragraphs, *others):
        text = " ".join(node.text(deep=True).split())
        # Inline <script> text counts as the element's text; code has braces, prose has not.
        if len(text) < _MIN_SAMPLE_BLOCK or "{" in text or not _SENTENCE_END.search(text):
            continue
        parts.append(text)
        size += len(text)
        if size >= SECOND_SAMPLE_CHARS:
            break
    return " ".join(parts)
