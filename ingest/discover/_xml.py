"""Hardened reading of untrusted XML: size-capped, gunzipped within a cap, entities refused.

Parsing streams through defusedxml's iterparse, so depth is bounded while reading and callers
can clear each entry after use: memory follows the cap, not the shape of the document.
"""

from __future__ import annotations

import io
import zlib
from collections.abc import Iterator
from xml.etree.ElementTree import Element, ParseError

import defusedxml.ElementTree as safe_etree
from defusedxml import DefusedXmlException

from ingest.discover.errors import DocumentTooLarge, ForbiddenXML, MalformedDocument

__all__ = ["XMLEvent", "gunzip_capped", "iter_xml", "local_name", "namespace_of", "text_of"]

_GZIP_MAGIC = b"\x1f\x8b"
_CHUNK = 64 * 1024
_MAX_DEPTH = 64

XMLEvent = tuple[str, int, Element]


def gunzip_capped(body: bytes, url: str, *, max_bytes: int) -> bytes:
    """`body`, gunzipped if it starts with the gzip magic bytes, refused past `max_bytes`.

    Decompression stops as soon as the output passes the cap, so a gzip bomb costs at most
    `max_bytes` of memory and the time to produce them.
    """
    if len(body) > max_bytes:
        raise DocumentTooLarge(url, f"body of {len(body)} bytes is over the cap of {max_bytes}")
    if not body.startswith(_GZIP_MAGIC):
        return body
    out = bytearray()
    data = body
    while data.startswith(_GZIP_MAGIC):  # a gzip file may hold several members
        inflater = zlib.decompressobj(wbits=31)
        try:
            while data and not inflater.eof:
                out += inflater.decompress(data, max_bytes + 1 - len(out))
                if len(out) > max_bytes:
                    raise DocumentTooLarge(url, f"gzip body inflates past the cap of {max_bytes}")
                data = inflater.unconsumed_tail
        except zlib.error as exc:
            raise MalformedDocument(url, f"corrupt gzip body: {exc}") from None
        if not inflater.eof:
            raise MalformedDocument(url, "truncated gzip body")
        data = inflater.unused_data
    return bytes(out)


def iter_xml(document: bytes, url: str) -> Iterator[XMLEvent]:
    """Yield `(event, depth, element)` for every start and end tag; the root has depth 0.

    Raises `ForbiddenXML` for entity declarations and external references (checked before
    anything is expanded), `MalformedDocument` for bad XML or nesting deeper than 64.
    """
    # Expat refuses an XML declaration after leading white space, which servers often add.
    source = io.BufferedReader(io.BytesIO(document.lstrip(b" \t\r\n")), buffer_size=_CHUNK)
    depth = -1
    try:
        for event, element in safe_etree.iterparse(source, events=("start", "end")):
            if event == "start":
                depth += 1
                if depth > _MAX_DEPTH:
                    raise MalformedDocument(url, f"XML nested deeper than {_MAX_DEPTH} levels")
                yield event, depth, element
            else:
                yield event, depth, element
                depth -= 1
    except DefusedXmlException as exc:
        raise ForbiddenXML(url, f"refused XML: {type(exc).__name__}") from None
    except ParseError as exc:
        raise MalformedDocument(url, f"malformed XML: {exc}") from None
    except (LookupError, ValueError) as exc:  # e.g. encoding="bogus" in the XML declaration
        raise MalformedDocument(url, f"unreadable XML: {exc}") from None


def local_name(element: Element) -> str:
    """The tag without its `{namespace}`."""
    return element.tag.rpartition("}")[2] if isinstance(element.tag, str) else ""


def namespace_of(element: Element) -> str:
    """The namespace URI of the tag, or "" for none."""
    tag = element.tag if isinstance(element.tag, str) else ""
    return tag[1:].partition("}")[0] if tag.startswith("{") else ""


def text_of(element: Element | None) -> str | None:
    """All text inside `element` (CDATA included), stripped; None when empty or missing."""
    if element is None:
        return None
    text = "".join(element.itertext()).strip()
    return text or None
