"""Value objects the extractor returns: typed body blocks and the page's metadata.

`Extracted` is the contract between extraction and normalisation; every field that the page
does not state is `None` (or an empty tuple), never a guess.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

BlockKind = Literal["heading", "paragraph", "list_item", "quote", "preformatted", "table_row"]
DatePrecision = Literal["day", "minute", "second"]
DateSource = Literal["json-ld", "meta", "time", "url", "text"]
LanguageSource = Literal["html-lang", "meta", "detected"]


@dataclass(frozen=True, slots=True)
class Block:
    """One block-level element of the article body, as plain text on one line."""

    kind: BlockKind
    text: str


@dataclass(frozen=True, slots=True)
class DateValue:
    """A date the page states, with how precise it is and where it was found."""

    value: datetime
    precision: DatePrecision
    source: DateSource


@dataclass(frozen=True, slots=True)
class Extracted:
    """Everything the extractor found on one page."""

    title: str | None = None
    blocks: tuple[Block, ...] = ()
    authors: tuple[str, ...] = ()
    published: DateValue | None = None
    modified: DateValue | None = None
    language: str | None = None
    language_source: LanguageSource | None = None
    canonical_url: str | None = None
    amp_url: str | None = None
    site_name: str | None = None
    description: str | None = None
    section: str | None = None
    tags: tuple[str, ...] = ()
    image: str | None = None
    is_free_access: bool | None = None
    page_type: str | None = None
    url: str | None = None
    warnings: tuple[str, ...] = field(default=())

    @property
    def published_at(self) -> datetime | None:
        return self.published.value if self.published else None

    @property
    def modified_at(self) -> datetime | None:
        return self.modified.value if self.modified else None

    @property
    def body_text(self) -> str:
        """The body blocks only (no headline), one per line: what the benchmark scores."""
        return "\n".join(block.text for block in self.blocks)
