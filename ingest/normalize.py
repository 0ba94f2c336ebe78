"""From `Extracted` to `Article`: the seed record text (headline first, then the body) and its id.

The id rule lives in `ingest.urls.record_id`: the page's canonical URL, else its final URL.
"""

from __future__ import annotations

from ingest.article import Article, Layout
from ingest.extract.model import Block as BodyBlock
from ingest.extract.model import Extracted
from ingest.records import Block, RecordFormatError, render_text
from ingest.urls import InvalidURL, canonicalize_url, record_id, site_of

# Bumped whenever extraction or normalisation changes what a page turns into; stored on every
# article row so that `reparse` results can be told apart.
PARSER_VERSION = "newsdesk-extract/1"


class NormalizeError(ValueError):
    """The page gave nothing to store (no headline and no body), or no usable URL."""


def _record_block(block: BodyBlock) -> Block:
    return Block("item" if block.kind == "list_item" else "text", block.text)


def record_text(extracted: Extracted, layout: Layout = "spaced") -> str:
    """Headline first, then the body blocks, in the record format's writer rules."""
    blocks = [Block("text", extracted.title)] if extracted.title else []
    blocks.extend(_record_block(b) for b in extracted.blocks)
    return render_text(blocks, layout)


def identity_url(extracted: Extracted, final_url: str) -> str:
    """The URL the record id is derived from: the page's canonical link when it is usable."""
    if extracted.canonical_url:
        try:
            return canonicalize_url(extracted.canonical_url, base=final_url)
        except InvalidURL:
            pass
    return canonicalize_url(final_url)


def to_article(
    extracted: Extracted,
    *,
    final_url: str,
    layout: Layout = "spaced",
    source: str | None = None,
    fetch_id: str | None = None,
    parser_version: str = PARSER_VERSION,
) -> Article:
    try:
        text = record_text(extracted, layout)
    except RecordFormatError as exc:
        raise NormalizeError(f"{final_url}: the page has neither a headline nor body text") from exc
    try:
        canonical = identity_url(extracted, final_url)
    except InvalidURL as exc:
        raise NormalizeError(f"{final_url}: no usable URL for the record id ({exc})") from exc
    published, modified = extracted.published, extracted.modified
    return Article(
        id=record_id(canonical),
        text=text,
        layout=layout,
        title=extracted.title,
        url=final_url,
        canonical_url=canonical,
        domain=site_of(canonical),
        authors=extracted.authors,
        published_at=published.value if published else None,
        published_precision=published.precision if published else None,
        published_source=published.source if published else None,
        modified_at=modified.value if modified else None,
        language=extracted.language,
        language_source=extracted.language_source,
        site_name=extracted.site_name,
        description=extracted.description,
        section=extracted.section,
        tags=extracted.tags,
        image=extracted.image,
        is_free_access=extracted.is_free_access,
        page_type=extracted.page_type,
        source=source,
        fetch_id=fetch_id,
        parser_version=parser_version,
    )
