"""The CPU-bound part of a page, run in an extraction process: extract, normalise, find links.

Jobs and results are small picklable values (the raw body stays in the parent, which stores it).
"""

from __future__ import annotations

from dataclasses import dataclass

from ingest.article import Article, Layout
from ingest.discover import LinkFollowPolicy
from ingest.extract import ExtractionError, extract
from ingest.normalize import NormalizeError, to_article

EXTRACTION_ERROR = "extraction_error"  # the extractor refused the page
NO_CONTENT = "no_content"  # no body text: a headline alone is no article
NOT_ARTICLE = "not_article"  # the page says it is a listing, a profile or a search page
_LISTING_TYPES = frozenset(
    {"collectionpage", "itemlist", "searchresultspage", "profilepage", "website", "webpage"}
)


@dataclass(frozen=True, slots=True)
class PageJob:
    """One fetched page to turn into an article (and links, when link following is on)."""

    url: str  # the final URL after redirects
    html: str
    layout: Layout
    source: str | None
    fetch_id: str
    depth: int = 0
    follow: LinkFollowPolicy | None = None


@dataclass(frozen=True, slots=True)
class PageResult:
    """The article, or the outcome class and reason it failed; links found."""

    article: Article | None
    failure: str | None
    error: str | None
    links: tuple[str, ...]


def work(job: PageJob) -> PageResult:
    """Everything CPU-bound about one page; never raises for the page's sake."""
    links: tuple[str, ...] = ()
    try:
        if job.follow is not None:
            links = tuple(d.url for d in job.follow.follow(job.html, job.url, depth=job.depth))
        extracted = extract(job.html, job.url)
        if not extracted.blocks:
            return PageResult(None, NO_CONTENT, f"{job.url}: no body text", links)
        if (extracted.page_type or "").lower() in _LISTING_TYPES and not extracted.published:
            return PageResult(None, NOT_ARTICLE, f"{job.url}: a {extracted.page_type}", links)
        article = to_article(
            extracted,
            final_url=job.url,
            layout=job.layout,
            source=f"scrape:{job.source}" if job.source else "scrape",
            fetch_id=job.fetch_id,
        )
    except ExtractionError as exc:
        return PageResult(None, EXTRACTION_ERROR, str(exc), links)
    except NormalizeError as exc:
        return PageResult(None, NO_CONTENT, str(exc), links)
    except Exception as exc:  # an extractor bug costs this page, not the batch
        return PageResult(None, EXTRACTION_ERROR, f"internal error: {exc!r}", links)
    return PageResult(article, None, None, links)


def work_all(jobs: list[PageJob]) -> list[PageResult]:
    """`work` on a few pages at once: one hand-over to the process for all of them."""
    return [work(job) for job in jobs]
