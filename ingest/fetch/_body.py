"""Reading a response body within bounds: raw size while streaming, decoded size and ratio.

Content-Encoding (gzip, deflate) is undone here, in bounded steps, so a compression bomb stops
at the limit instead of filling memory.
"""

from __future__ import annotations

import zlib
from collections.abc import AsyncIterable

from ingest.fetch.errors import BodyTooLarge

_RATIO_GRACE_BYTES = 1024 * 1024  # small, very repetitive pages are fine


class _Inflater:
    """Incremental gzip/zlib/raw-deflate decoding that never yields more than allowed."""

    def __init__(self, encoding: str, limit: int) -> None:
        # 47: gzip or zlib header, detected; deflate may be sent raw (-15) by broken servers.
        self._wbits = 47 if encoding in ("gzip", "x-gzip") else 15
        self._inflater = zlib.decompressobj(self._wbits)
        self._limit = limit
        self._produced = 0

    def feed(self, chunk: bytes) -> bytes:
        budget = self._limit - self._produced + 1  # never 0: zlib reads 0 as "no limit"
        try:
            out = self._inflater.decompress(chunk, budget)
        except zlib.error:
            if self._produced or self._wbits != 15:
                raise
            self._inflater = zlib.decompressobj(-15)
            out = self._inflater.decompress(chunk, budget)
        self._produced += len(out)
        if self._inflater.unconsumed_tail or self._produced > self._limit:
            raise BodyTooLarge(f"decompressed body exceeds {self._limit} bytes")
        return out


def content_encoding(headers_value: str | None) -> str | None:
    """The single supported coding in a Content-Encoding value, '' for identity, None if not."""
    coding = (headers_value or "").strip().lower()
    if coding in ("", "identity"):
        return ""
    return coding if coding in ("gzip", "x-gzip", "deflate") else None


async def read_bounded(
    chunks: AsyncIterable[bytes],
    *,
    encoding: str,
    max_raw: int,
    max_decoded: int,
    max_ratio: float,
) -> bytes:
    """Join the body chunks, decoding `encoding`; raise `BodyTooLarge` past any bound."""
    inflater = _Inflater(encoding, max_decoded) if encoding else None
    parts: list[bytes] = []
    raw = decoded = 0
    async for chunk in chunks:
        raw += len(chunk)
        if raw > max_raw:
            raise BodyTooLarge(f"body exceeds {max_raw} bytes")
        out = inflater.feed(chunk) if inflater else chunk
        decoded += len(out)
        if decoded > max_decoded:
            raise BodyTooLarge(f"decompressed body exceeds {max_decoded} bytes")
        if inflater and decoded > _RATIO_GRACE_BYTES and decoded > raw * max_ratio:
            raise BodyTooLarge(f"compression ratio exceeds {max_ratio:g}")
        parts.append(out)
    return b"".join(parts)
