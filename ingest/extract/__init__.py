"""Article extraction: one HTML page in, its body blocks and metadata out.

`extract` parses once with Lexbor, reads the metadata before anything mutates the tree, then
finds the body; `ExtractionError` is the only exception it raises.
"""

from __future__ import annotations

import dataclasses
import re

from selectolax.lexbor import LexborDocumentOptions, LexborHTMLParser

from ._limits import DEFAULT_LIMITS, Limits, bound_html
from ._scan import scan
from .body import body_blocks
from .errors import ExtractionError
from .metadata import read_metadata
from .model import Block, DateValue, Extracted

__all__ = ["Block", "DateValue", "Extracted", "ExtractionError", "Limits", "extract"]

# NUL is never text (Lexbor drops it from text, as HTML says), so NULs and whitespace alone are
# an empty page. A match from the start stops at the first other character: no copy, no full scan.
_BLANK = re.compile(r"[\s\x00]*\Z")


def extract(html: str, url: str | None = None, *, limits: Limits = DEFAULT_LIMITS) -> Extracted:
    """Metadata and body blocks of one page; raises `ExtractionError` when that is impossible."""
    if not isinstance(html, str):
        raise ExtractionError(f"{url or 'page'}: expected str, got {type(html).__name__}")
    bounded, warnings = bound_html(html, limits)
    if _BLANK.match(bounded):
        raise ExtractionError(f"{url or 'page'}: empty document")
    try:
        # Without mutation events: they only mirror <select> state, and cost a tenth of the parse.
        tree = LexborHTMLParser(bounded, options=LexborDocumentOptions.WO_EVENTS)
    except Exception as exc:  # selectolax raises bare errors on input it cannot parse
        raise ExtractionError(f"{url or 'page'}: HTML could not be parsed: {exc}") from exc
    # One CSS pass finds what the metadata readers need and what the body must not count.
    nodes = scan(tree)
    try:
        meta = read_metadata(tree, url, nodes=nodes)
    except Exception as exc:  # a metadata bug must not cost the body; say so on the record
        meta = Extracted(url=url, warnings=(f"metadata not read: {exc!r}",))
    blocks = body_blocks(tree, meta.title, limits=limits, invisible=nodes.invisible)
    if warnings:
        return dataclasses.replace(meta, blocks=blocks, warnings=meta.warnings + warnings)
    return dataclasses.replace(meta, blocks=blocks)
