"""What a scrape starts from (`Sources`), how it runs (`ScrapeSettings`), and its progress events.

Both are frozen and keyword-only; the Prefect flow and the CLI build them from their parameters.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ingest.article import Layout
from ingest.discover import LinkFollowPolicy
from ingest.fetch import FetchSettings

# Article versions per transaction of the end-of-run derivation (duplicates, search postings).
# Its memory follows the chunk: on 3,000 synthetic pages, 5,000 (all in one) peaked at 748 MB,
# 1,000 at 484 MB for the same CPU time (10% more wall: one more open of the file per chunk).
REFRESH_CHUNK = 1_000


@dataclass(frozen=True, slots=True, kw_only=True)
class Sources:
    """Where URLs come from: arguments, URL-list files, feeds, sitemaps, robots.txt of sites."""

    urls: tuple[str, ...] = ()
    urls_files: tuple[str, ...] = ()
    feeds: tuple[str, ...] = ()
    sitemaps: tuple[str, ...] = ()
    robots_sitemaps: tuple[str, ...] = ()  # site roots whose robots.txt `Sitemap:` lines count
    follow_links: LinkFollowPolicy | None = None


# Each batch's commit closes the file, and the checkpoint rewrites the articles table's
# partly filled last row group (2,048 rows): 200 a batch rewrote 5-6 rows per new one.
DEFAULT_BATCH_SIZE = 500


@dataclass(frozen=True, slots=True, kw_only=True)
class ScrapeSettings:
    """How a scrape runs; the defaults suit a scheduled run against the open web."""

    fetch: FetchSettings = field(default_factory=FetchSettings)
    batch_size: int = DEFAULT_BATCH_SIZE
    max_pages: int | None = None  # pages fetched by this run, all batches together
    time_budget_s: float | None = None  # checked between batches: a batch is never cut short
    layout: Layout = "spaced"
    retry_failed_after_s: float = 3600.0  # a retryable failure is due again after this
    max_attempts: int = 5  # after this many, a retryable failure is final
    revisit_after_s: float | None = None  # done pages are fetched again (conditionally) after this
    extract_workers: int = 1  # extraction processes; 0 extracts in the event loop's thread
    max_sitemaps: int = 500  # sitemap documents fetched per discovery (indexes nest)

    def __post_init__(self) -> None:
        if self.batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        if self.max_attempts < 1 or self.extract_workers < 0:
            raise ValueError("max_attempts must be at least 1 and extract_workers not negative")


@dataclass(frozen=True, slots=True)
class Progress:
    """Counts to add to a progress display; sent after each step that changed them."""

    discovered: int = 0
    fetched: int = 0
    stored: int = 0
    failed: int = 0
