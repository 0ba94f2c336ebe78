"""Turning HTML bytes into text: BOM, HTTP charset, strict UTF-8, <meta>, detector, cp1252.

selectolax decodes bytes as UTF-8 and ignores <meta charset>, so it is always handed our `str`.
"""

from __future__ import annotations

import codecs
import functools
import re
from typing import Literal

from charset_normalizer import from_bytes

CharsetSource = Literal["bom", "http", "utf-8", "meta", "detected", "fallback"]

_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_META_WINDOW = 4096
_META_CHARSET = re.compile(rb"""<meta[^>]+?charset\s*=\s*["']?\s*([a-zA-Z0-9_.:-]+)""", re.I)
_HTTP_CHARSET = re.compile(r"""charset\s*=\s*["']?\s*([a-zA-Z0-9_.:-]+)""", re.I)
# The WHATWG encoding standard reads these labels as windows-1252; pages written for browsers
# rely on it (a page labelled latin-1 with curly quotes in 0x80-0x9f is common).
_AS_CP1252 = {"latin-1", "iso8859-1", "ascii"}


def charset_from_content_type(content_type: str | None) -> str | None:
    """The `charset=` parameter of a Content-Type header value, if any."""
    match = _HTTP_CHARSET.search(content_type or "")
    return match.group(1) if match else None


@functools.lru_cache(maxsize=256)
def _codec(label: str | None) -> str | None:
    """The Python codec name for a charset label, or None if unknown or not for HTML."""
    if not label:
        return None
    try:
        name = codecs.lookup(label).name
    except LookupError:
        return None
    if name.startswith("utf-16") or name.startswith("utf-32"):
        return "utf-8"  # as browsers do: an ASCII-compatible <meta> cannot mean UTF-16
    return "cp1252" if name in _AS_CP1252 else name


def _strict(body: bytes, codec: str | None) -> str | None:
    if codec is None:
        return None
    try:
        return body.decode(codec)
    except (UnicodeDecodeError, LookupError):
        return None


def _from_bom(body: bytes) -> tuple[str, str] | None:
    for bom, codec in _BOMS:
        if body.startswith(bom):
            return body[len(bom) :].decode(codec, errors="replace"), codec
    return None


def _ascii_compatible(codec: str) -> bool:
    try:
        return b"<meta>".decode(codec) == "<meta>"
    except (UnicodeDecodeError, LookupError):
        return False


def _detected(body: bytes) -> tuple[str, str] | None:
    best = from_bytes(body[:262_144]).best()
    codec = _codec(best.encoding) if best is not None else None
    # Markup is ASCII: a guess like EBCDIC (cp037) for a short binary-looking body is wrong.
    if codec is None or not _ascii_compatible(codec):
        return None
    text = _strict(body, codec)
    return (text, codec) if text is not None else None


def decode_html(body: bytes, content_type: str | None) -> tuple[str, str, CharsetSource]:
    """Decode an HTML body; returns (text, charset used, where the charset came from)."""
    if found := _from_bom(body):
        return found[0], found[1], "bom"
    http = _codec(charset_from_content_type(content_type))
    if (text := _strict(body, http)) is not None:
        return text, http or "", "http"
    if (text := _strict(body, "utf-8")) is not None:
        return text, "utf-8", "utf-8"
    match = _META_CHARSET.search(body[:_META_WINDOW])
    meta = _codec(match.group(1).decode("ascii")) if match else None
    if (text := _strict(body, meta)) is not None:
        return text, meta or "", "meta"
    if found := _detected(body):
        return found[0], found[1], "detected"
    return body.decode("cp1252", errors="replace"), "cp1252", "fallback"
