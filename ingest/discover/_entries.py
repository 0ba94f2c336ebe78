"""Shared steps of the parsers: canonicalise an entry's URL or report it, and tidy its title."""

from __future__ import annotations

import html
import re

from ingest.discover.model import Rejected, RejectHandler
from ingest.urls import InvalidURL, canonicalize_url

__all__ = ["canonical_or_reject", "clean_title"]

_TAG = re.compile(r"<[^>]{0,1000}>")
_SPACE = re.compile(r"\s+")


def canonical_or_reject(
    raw: str | None, base: str, document: str, on_reject: RejectHandler
) -> str | None:
    """The canonical form of `raw` resolved against `base`, or None after reporting why not."""
    if not raw or not raw.strip():
        on_reject(Rejected(raw or "", document, "entry has no URL"))
        return None
    try:
        return canonicalize_url(raw, base)
    except InvalidURL as exc:
        on_reject(Rejected(raw, document, exc.reason))
        return None


def clean_title(text: str | None) -> str | None:
    """A title as one line of plain text: markup removed, entities decoded, spaces collapsed."""
    if not text:
        return None
    if "<" in text:
        text = _TAG.sub(" ", text)
    text = _SPACE.sub(" ", html.unescape(text)).strip()
    return text or None
