"""What a batch learns about each URL before its one write: fetch row, article, next state.

Pure bookkeeping: decides a URL's frontier state from its fetch and extraction outcomes.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from ingest.article import Article
from ingest.discover import DiscoveredURL
from ingest.fetch import FetchResult, Outcome
from ingest.pipeline._work import PageResult
from ingest.pipeline.report import MAX_FAILURES, BatchReport, Failure
from ingest.pipeline.settings import ScrapeSettings
from storage.fetches import FetchRow
from storage.frontier import FrontierItem, FrontierUpdate, State

_RETRY_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})
_TRANSIENT = frozenset({Outcome.TIMEOUT, Outcome.CONNECTION_ERROR, Outcome.ROBOTS_DISALLOWED})


def is_retryable(result: FetchResult) -> bool:
    """Failures worth another try later: the server or network may be better then."""
    if result.outcome in _TRANSIENT:
        return True
    return result.outcome is Outcome.HTTP_ERROR and result.status in _RETRY_STATUSES


@dataclass(slots=True)
class Collected:
    """Everything a batch gathered for its single transaction, and its report so far."""

    now: datetime
    report: BatchReport = field(default_factory=lambda: BatchReport(batches=1))
    fetches: list[FetchRow] = field(default_factory=list)
    articles: list[tuple[str, Article]] = field(default_factory=list)  # (frontier domain, …)
    updates: list[FrontierUpdate] = field(default_factory=list)
    links: list[DiscoveredURL] = field(default_factory=list)
    body_file: str | None = None  # the bodies' file, written before the batch's transaction

    @property
    def urls(self) -> list[str]:
        return [u.url for u in self.updates]


def next_state(
    item: FrontierItem,
    result: FetchResult,
    page: PageResult | None,
    s: ScrapeSettings,
    now: datetime,
) -> tuple[State, str, datetime | None]:
    """(state, outcome class, next attempt) of a URL after this fetch."""
    revisit = now + timedelta(seconds=s.revisit_after_s) if s.revisit_after_s is not None else None
    if result.outcome is Outcome.NOT_MODIFIED:
        return "done", result.outcome.value, revisit
    if page is not None:
        if page.article is not None:
            return "done", "ok", revisit
        return "failed", page.failure or "extraction_error", None
    if is_retryable(result) and item.attempts + 1 < s.max_attempts:
        return "failed", result.outcome.value, now + timedelta(seconds=s.retry_failed_after_s)
    return "failed", result.outcome.value, None


def fetch_row(
    result: FetchResult,
    *,
    run_id: str,
    url: str,
    domain: str | None,
    fetch_id: str | None = None,
    stored: bytes | None = None,
) -> FetchRow:
    """The stored form of a fetch; `stored` is the raw body to keep (article pages only)."""
    return FetchRow(
        fetch_id=fetch_id or uuid.uuid4().hex,
        run_id=run_id,
        url=url,
        final_url=result.final_url,
        redirects=result.redirects,
        domain=domain,
        kind=result.kind,
        outcome=result.outcome.value,
        status=result.status,
        error=result.error,
        content_type=result.content_type,
        charset=result.charset,
        charset_source=result.charset_source,
        etag=result.etag,
        last_modified=result.last_modified,
        headers=result.headers,
        attempts=result.attempts,
        started_at=result.started_at,
        elapsed_ms=result.elapsed_s * 1000,
        bytes=len(result.body),
        body=stored,
    )


def _with_discovery_date(article: Article, item: FrontierItem) -> Article:
    """A page that states no date keeps the one its feed or sitemap gave, marked as such."""
    if article.published_at is not None or item.published_at is None:
        return article
    return replace(article, published_at=item.published_at, published_source="discovery")


def record(
    got: Collected,
    item: FrontierItem,
    result: FetchResult,
    page: PageResult | None,
    *,
    run_id: str,
    settings: ScrapeSettings,
    fetch_id: str,
) -> None:
    """Add one URL's fetch row, article, frontier update, links and figures to the batch."""
    article = _with_discovery_date(page.article, item) if page and page.article else None
    state, outcome, due = next_state(item, result, page, settings, got.now)
    # A page that went to extraction has its body in the batch's body file (batch._Extraction).
    stored = result.body if page is not None else None
    row = fetch_row(
        result, run_id=run_id, url=item.url, domain=item.domain, fetch_id=fetch_id, stored=stored
    )
    if article is not None:
        row = replace(row, article_id=article.id)
        got.articles.append((item.domain, article))
    got.fetches.append(row)
    got.updates.append(
        FrontierUpdate(
            url=item.url,
            state=state,
            outcome=outcome,
            attempted_at=got.now,
            next_attempt_at=due,
            etag=result.etag,
            last_modified=result.last_modified,
            article_id=article.id if article else None,
        )
    )
    if page is not None:
        source = f"link:{item.url}"
        got.links.extend(
            DiscoveredURL(url=u, source=source, depth=item.depth + 1) for u in page.links
        )
    stats = got.report.domain(item.domain)
    stats.outcomes[outcome] += 1
    stats.bytes += len(result.body)
    stats.latency.add(result.elapsed_s - result.wait_s)
    if state == "failed" and len(got.report.failures) < MAX_FAILURES:
        error = result.error or (page.error if page else None)
        got.report.failures.append(Failure(item.url, outcome, error))
