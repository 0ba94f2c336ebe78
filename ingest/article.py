"""The article record the pipeline stores: seed-shape text plus what is known about it.

Backfilled record files and extracted pages both become `Article`s; the warehouse takes them in
batches and decides whether each is new, unchanged or a new version.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

import xxhash

Layout = Literal["spaced", "compact"]


def content_hash(text: str) -> str:
    """SHA-256 (hex) of the record text: equal hashes mean an unchanged article."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def text_key(text: str) -> int:
    """XXH3-64 of the record text's UTF-8 bytes: what an append compares stored texts by.

    About five times cheaper than `content_hash`, which is then computed only for texts that
    are stored. Two different texts of one article share a key with probability 2**-64.
    """
    return xxhash.xxh3_64_intdigest(text.encode("utf-8"))


@dataclass(frozen=True, slots=True)
class Article:
    """One article in the seed record shape, with its provenance and metadata."""

    id: str
    text: str
    layout: Layout = "spaced"
    seq: int | None = None
    title: str | None = None
    url: str | None = None
    canonical_url: str | None = None
    domain: str | None = None
    authors: tuple[str, ...] = ()
    published_at: datetime | None = None
    published_precision: str | None = None
    published_source: str | None = None
    modified_at: datetime | None = None
    language: str | None = None
    language_source: str | None = None
    site_name: str | None = None
    description: str | None = None
    section: str | None = None
    tags: tuple[str, ...] = ()
    image: str | None = None
    is_free_access: bool | None = None
    page_type: str | None = None
    source: str | None = None
    fetch_id: str | None = None
    parser_version: str | None = None

    @property
    def content_hash(self) -> str:
        return content_hash(self.text)
