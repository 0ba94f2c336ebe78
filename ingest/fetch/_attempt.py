"""One attempt at a URL, redirects included, as a value: what `_client` retries and reports.

`Attempt` is internal; `Fetcher` turns the last one into the public `FetchResult`.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field, replace

import httpx

from ingest.fetch._decode import CharsetSource
from ingest.fetch._models import Outcome
from ingest.fetch.errors import BlockedAddress, BodyTooLarge, InvalidURL

_RETRYABLE_OUTCOMES = frozenset({Outcome.TIMEOUT, Outcome.CONNECTION_ERROR})


@dataclass(frozen=True, slots=True, kw_only=True)
class Attempt:
    """How one attempt ended."""

    outcome: Outcome
    final_url: str
    redirects: tuple[str, ...] = ()
    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    text: str | None = None
    charset: str | None = None
    charset_source: CharsetSource | None = None
    error: str | None = None
    retry_after_s: float | None = None
    retry_status: bool = False  # an HTTP status that the retry policy retries

    @property
    def retryable(self) -> bool:
        return self.retry_status or self.outcome in _RETRYABLE_OUTCOMES

    def with_redirects(self, redirects: list[str]) -> Attempt:
        return replace(self, redirects=tuple(redirects))


def failed(outcome: Outcome, url: str, reason: str, **details: object) -> Attempt:
    """An attempt that ended in `outcome`, with an error message naming the URL."""
    return Attempt(outcome=outcome, final_url=url, error=f"{url}: {reason}", **details)  # type: ignore[arg-type]


def from_exception(exc: BaseException, url: str) -> Attempt:
    """The attempt outcome an exception raised while fetching `url` stands for."""
    reason = str(exc) or type(exc).__name__
    if isinstance(exc, InvalidURL | httpx.InvalidURL | httpx.UnsupportedProtocol):
        return failed(Outcome.INVALID_URL, url, reason)
    if isinstance(exc, BlockedAddress):
        return failed(Outcome.BLOCKED_ADDRESS, url, reason)
    if isinstance(exc, BodyTooLarge):
        return failed(Outcome.TOO_LARGE, url, reason)
    if isinstance(exc, httpx.TimeoutException):
        return failed(Outcome.TIMEOUT, url, f"timed out ({type(exc).__name__}: {reason})")
    if isinstance(exc, TimeoutError):  # asyncio.timeout around the whole request
        return failed(Outcome.TIMEOUT, url, "timed out: the request took longer than allowed")
    if isinstance(exc, zlib.error):
        return failed(Outcome.CONNECTION_ERROR, url, f"corrupt compressed body: {reason}")
    if isinstance(exc, httpx.TransportError | OSError):
        return failed(Outcome.CONNECTION_ERROR, url, f"{type(exc).__name__}: {reason}")
    raise exc
