"""The fetcher's value objects: what to fetch (`FetchRequest`) and what happened (`FetchResult`).

Both are frozen; a result carries provenance (URLs, redirects, timings, attempts) and an outcome.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType

from ingest.fetch._decode import CharsetSource
from ingest.fetch._limits import Kind

_EMPTY: Mapping[str, object] = MappingProxyType({})


class Outcome(enum.StrEnum):
    """How one fetch ended; the values are stable strings for storage."""

    OK = "ok"
    NOT_MODIFIED = "not_modified"
    HTTP_ERROR = "http_error"
    ROBOTS_DISALLOWED = "robots_disallowed"
    TOO_LARGE = "too_large"
    UNSUPPORTED_CONTENT_TYPE = "unsupported_content_type"
    TIMEOUT = "timeout"
    CONNECTION_ERROR = "connection_error"
    TOO_MANY_REDIRECTS = "too_many_redirects"
    INVALID_URL = "invalid_url"
    BLOCKED_ADDRESS = "blocked_address"


@dataclass(frozen=True, slots=True)
class FetchRequest:
    """One URL to fetch, with the validators of a stored copy and opaque caller data."""

    url: str
    kind: Kind = "article"
    etag: str | None = None
    last_modified: str | None = None
    meta: Mapping[str, object] = field(default_factory=lambda: _EMPTY)


@dataclass(frozen=True, slots=True, kw_only=True)
class FetchResult:
    """Everything known about one fetched URL; `error` is None unless the outcome is a failure."""

    requested_url: str
    final_url: str
    redirects: tuple[str, ...]
    status: int | None
    headers: dict[str, str]
    body: bytes
    text: str | None
    charset: str | None
    charset_source: CharsetSource | None
    outcome: Outcome
    error: str | None
    attempts: int
    started_at: datetime
    elapsed_s: float  # wall time from the first attempt to the result, waits included
    wait_s: float  # of which spent waiting for host delays, slots and retry backoff
    etag: str | None
    last_modified: str | None
    content_type: str | None
    kind: Kind
    meta: Mapping[str, object]

    @property
    def ok(self) -> bool:
        return self.outcome is Outcome.OK
