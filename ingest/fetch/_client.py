"""The fetcher: one shared httpx client, bounded concurrency, politeness, retries and bounds.

`Fetcher.fetch` never raises for a URL: every failure is a `FetchResult` with an outcome.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import AsyncIterable, AsyncIterator, Iterable
from datetime import UTC, datetime
from types import TracebackType

import httpx

from ingest.fetch._attempt import Attempt, failed, from_exception
from ingest.fetch._body import content_encoding, read_bounded
from ingest.fetch._decode import decode_html
from ingest.fetch._guard import AddressPolicy, LiteralGuard
from ingest.fetch._h1_transport import H1Transport
from ingest.fetch._limits import FetchSettings
from ingest.fetch._many import run_pool
from ingest.fetch._models import FetchRequest, FetchResult, Outcome
from ingest.fetch._politeness import HostPolicy
from ingest.fetch._requests import RequestFactory
from ingest.fetch._retry import parse_retry_after, retrying
from ingest.fetch._robots import RobotsCache
from ingest.fetch._urls import URLParser
from ingest.fetch.errors import BodyTooLarge, InvalidURL

log = logging.getLogger(__name__)

_HOST = re.compile(rb"[A-Za-z0-9._:-]+")  # after IDNA encoding; ':' for IPv6 literals
_REDIRECTS = frozenset({301, 302, 303, 307, 308})


_URLS = URLParser()  # keeps parsed origins only: nothing a caller could notice


def _target(url: str) -> tuple[httpx.URL, str]:
    """The parsed URL and its origin (scheme://host:port); raise `InvalidURL` if unusable."""
    try:
        parsed = _URLS.parse(url)
    except (httpx.InvalidURL, TypeError, ValueError) as exc:
        raise InvalidURL(f"cannot parse URL: {exc}") from exc
    if parsed.scheme not in ("http", "https"):
        raise InvalidURL(f"scheme {parsed.scheme or '(none)'!r} is not http or https")
    if not parsed.host:
        raise InvalidURL("URL has no host")
    if not _HOST.fullmatch(parsed.raw_host):
        raise InvalidURL(f"host {parsed.host!r} has characters no host name may have")
    port = parsed.port or (443 if parsed.scheme == "https" else 80)
    host = f"[{parsed.host}]" if ":" in parsed.host else parsed.host
    return parsed, f"{parsed.scheme}://{host}:{port}"


class _Clock:
    """Time bookkeeping for one URL: when it started and how long it waited."""

    def __init__(self) -> None:
        self.started_at = datetime.now(UTC)
        self.t0 = time.perf_counter()
        self.waited = 0.0
        self.attempts = 0

    async def sleep(self, seconds: float) -> None:
        self.waited += seconds
        await asyncio.sleep(seconds)


class Fetcher:
    """Fetches URLs concurrently within the settings' bounds; use as an async context manager."""

    def __init__(self, settings: FetchSettings | None = None) -> None:
        self.settings = settings or FetchSettings()
        s = self.settings
        self._policy = AddressPolicy(
            allow_private=s.allow_private_addresses, forbidden=s.forbidden_networks
        )
        self._literals = LiteralGuard(self._policy)
        self._hosts = HostPolicy(per_host=s.per_host, settings=s.politeness)
        self._robots = RobotsCache(
            fetch=lambda url: self.fetch(FetchRequest(url, kind="robots")),
            user_agent=s.user_agent,
            hosts=self._hosts,
            failure_ttl_s=s.politeness.robots_failure_ttl_s,
        )
        self._client: httpx.AsyncClient | None = None
        self._requests: RequestFactory | None = None
        self._slots = asyncio.Semaphore(s.concurrency)
        self._timeout = httpx.Timeout(
            connect=s.timeouts.connect_s,
            read=s.timeouts.read_s,
            write=s.timeouts.read_s,
            pool=s.timeouts.request_s,
        )

    async def __aenter__(self) -> Fetcher:
        transport = H1Transport(max_connections=self.settings.concurrency, policy=self._policy)
        self._client = httpx.AsyncClient(
            transport=transport,
            trust_env=False,
            follow_redirects=False,
            timeout=self._timeout,
            headers={"User-Agent": self.settings.user_agent, "Accept-Encoding": "gzip, deflate"},
        )
        # A crawler keeps no cookies (one site's must not follow us to another), and reading
        # them costs about 0.1 ms of CPU per response in httpx (docs/fetching.md).
        self._client.cookies.extract_cookies = _keep_no_cookies  # type: ignore[method-assign]
        self._requests = RequestFactory(self._client)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def fetch(self, request: FetchRequest | str) -> FetchResult:
        """Fetch one URL, retrying as the policy allows; never raises for the URL's sake."""
        if self._client is None:
            raise RuntimeError("open the fetcher first: `async with Fetcher(settings) as f:`")
        # Anything but a FetchRequest is taken as a URL; a wrong type ends as `invalid_url`.
        req = request if isinstance(request, FetchRequest) else FetchRequest(str(request))
        clock = _Clock()
        try:
            attempt = await self._attempt(req, clock)
            if attempt.retryable and self.settings.retries.max_attempts > 1:
                attempt = await self._retry(req, clock, attempt)
        except Exception as exc:  # a bug must not end a batch; it is logged and reported
            log.exception("unexpected error fetching %s", req.url)
            attempt = failed(Outcome.CONNECTION_ERROR, req.url, f"internal error: {exc!r}")
        return self._result(req, attempt, clock)

    async def _retry(self, req: FetchRequest, clock: _Clock, first: Attempt) -> Attempt:
        """Let tenacity decide on further attempts; the first one ran without it, since
        building a controller per URL costs more CPU than the fetch when nothing fails."""
        pending = [first]

        async def attempt() -> Attempt:
            return pending.pop() if pending else await self._attempt(req, clock)

        controller = retrying(self.settings.retries)
        controller.sleep = clock.sleep  # type: ignore[method-assign]
        return await controller(attempt)

    def fetch_many(
        self, requests: Iterable[FetchRequest | str] | AsyncIterable[FetchRequest | str]
    ) -> AsyncIterator[FetchResult]:
        """Fetch every request, `concurrency` at a time, yielding results as they complete.

        Stopping the iteration early cancels what is in flight; an error raised by `requests`
        itself reaches the caller after the results already under way.
        """
        return run_pool(self.fetch, requests, self.settings.concurrency)

    async def robots_sitemaps(self, url: str) -> tuple[str, ...]:
        """The `Sitemap:` lines of the robots.txt of `url`'s host (fetched once, cached)."""
        _, origin = _target(url)
        return await self._robots.sitemaps(origin)

    def host_delay(self, url: str) -> float:
        """The current delay between request starts for `url`'s host, in seconds."""
        return self._hosts.delay_of(_target(url)[1])

    async def _attempt(self, req: FetchRequest, clock: _Clock) -> Attempt:
        clock.attempts += 1
        url, redirects, seen = req.url, list[str](), {req.url}
        limit = self.settings.max_redirects
        try:
            while isinstance(hop := await self._hop(req, url, clock, not redirects), str):
                if hop in seen:
                    reason = f"redirect loop back to {hop}"
                elif len(redirects) >= limit:
                    reason = f"more than {limit} redirects (next: {hop})"
                else:
                    seen.add(hop)
                    redirects.append(hop)
                    url = hop
                    continue
                return failed(Outcome.TOO_MANY_REDIRECTS, url, reason).with_redirects(redirects)
        except (Exception, TimeoutError) as exc:
            return from_exception(exc, url).with_redirects(redirects)
        return hop.with_redirects(redirects) if redirects else hop

    async def _hop(
        self, req: FetchRequest, url: str, clock: _Clock, conditional: bool
    ) -> Attempt | str:
        """Fetch `url` once: an `Attempt` when it ends here, or the URL it redirects to."""
        target, origin = _target(url)
        self._literals.check(target.host)
        if req.kind != "robots" and self._obeys_robots(target.host):
            if not await self._robots.allows(origin, url):
                return failed(Outcome.ROBOTS_DISALLOWED, url, "disallowed by robots.txt")
        request = self._build(req, target, conditional=conditional)
        assert self._client is not None  # checked by `fetch`
        queued = time.perf_counter()
        async with self._hosts.slot(origin), self._slots:
            clock.waited += time.perf_counter() - queued
            async with asyncio.timeout(self.settings.timeouts.request_s):
                response = await self._client.send(request, stream=True)
                try:
                    self._hosts.record(origin, response.status_code)
                    return await self._answer(req, url, response)
                finally:
                    await response.aclose()

    def _obeys_robots(self, host: str) -> bool:
        s = self.settings
        return s.respect_robots and host.lower() not in s.ignore_robots_for

    def _build(self, req: FetchRequest, target: httpx.URL, *, conditional: bool) -> httpx.Request:
        validators = {}
        if conditional and req.etag:
            validators["If-None-Match"] = req.etag
        if conditional and req.last_modified:
            validators["If-Modified-Since"] = req.last_modified
        assert self._requests is not None  # set with the client
        return self._requests.get(target, req.kind, validators)

    async def _answer(self, req: FetchRequest, url: str, response: httpx.Response) -> Attempt | str:
        status = response.status_code
        headers = _header_dict(response.headers)
        if status in _REDIRECTS and "location" in headers:
            try:
                return str(response.url.join(headers["location"]))
            except (httpx.InvalidURL, ValueError) as exc:
                raise InvalidURL(f"bad redirect Location {headers['location']!r}") from exc
        details = {"status": status, "headers": headers}
        if status == 304:
            return Attempt(outcome=Outcome.NOT_MODIFIED, final_url=url, **details)  # type: ignore[arg-type]
        if not 200 <= status < 300:
            return failed(
                Outcome.HTTP_ERROR,
                url,
                f"HTTP status {status}",
                retry_after_s=parse_retry_after(headers.get("retry-after")),
                retry_status=status in self.settings.retries.statuses,
                **details,
            )
        refusal = self._refuse_type(req, headers)
        if refusal:
            return failed(Outcome.UNSUPPORTED_CONTENT_TYPE, url, refusal, **details)
        body = await self._read(response, headers)
        return self._success(req, url, body, details)

    def _refuse_type(self, req: FetchRequest, headers: dict[str, str]) -> str | None:
        mime = headers.get("content-type", "").split(";", 1)[0].strip().lower()
        allowed = self.settings.content_types.get(req.kind, frozenset())
        if mime and allowed and mime not in allowed:
            return f"content type {mime!r} is not accepted for kind {req.kind!r}"
        if content_encoding(headers.get("content-encoding")) is None:
            return f"content encoding {headers['content-encoding']!r} is not supported"
        return None

    async def _read(self, response: httpx.Response, headers: dict[str, str]) -> bytes:
        s = self.settings
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > s.max_body_bytes:
            raise BodyTooLarge(f"Content-Length {declared} exceeds {s.max_body_bytes} bytes")
        # The raw stream itself rather than `aiter_raw()`, which re-chunks and counts through
        # one more async generator per response; the caller closes the response either way.
        return await read_bounded(
            response.stream,  # type: ignore[arg-type]
            encoding=content_encoding(headers.get("content-encoding")) or "",
            max_raw=s.max_body_bytes,
            max_decoded=s.max_decompressed_bytes,
            max_ratio=s.max_compression_ratio,
        )

    @staticmethod
    def _success(req: FetchRequest, url: str, body: bytes, details: dict[str, object]) -> Attempt:
        headers: dict[str, str] = details["headers"]  # type: ignore[assignment]
        if req.kind != "article":
            return Attempt(outcome=Outcome.OK, final_url=url, body=body, **details)  # type: ignore[arg-type]
        text, charset, source = decode_html(body, headers.get("content-type"))
        return Attempt(
            outcome=Outcome.OK,
            final_url=url,
            body=body,
            text=text,
            charset=charset,
            charset_source=source,
            **details,  # type: ignore[arg-type]
        )

    @staticmethod
    def _result(req: FetchRequest, attempt: Attempt, clock: _Clock) -> FetchResult:
        headers = attempt.headers
        # A 304 may omit the validators; the stored ones are still valid then.
        kept = attempt.outcome is Outcome.NOT_MODIFIED
        return FetchResult(
            requested_url=req.url,
            final_url=attempt.final_url,
            redirects=attempt.redirects,
            status=attempt.status,
            headers=headers,
            body=attempt.body,
            text=attempt.text,
            charset=attempt.charset,
            charset_source=attempt.charset_source,
            outcome=attempt.outcome,
            error=attempt.error,
            attempts=clock.attempts,
            started_at=clock.started_at,
            elapsed_s=time.perf_counter() - clock.t0,
            wait_s=clock.waited,
            etag=headers.get("etag") or (req.etag if kept else None),
            last_modified=headers.get("last-modified") or (req.last_modified if kept else None),
            content_type=headers.get("content-type"),
            kind=req.kind,
            meta=req.meta,
        )


def _keep_no_cookies(response: httpx.Response) -> None:
    return None


def _header_dict(headers: httpx.Headers) -> dict[str, str]:
    """Lower-case names, repeated headers joined by commas (from the raw pairs: cheaper)."""
    merged: dict[str, str] = {}
    for raw_name, raw_value in headers.raw:
        name, value = raw_name.decode("latin-1").lower(), raw_value.decode("latin-1")
        merged[name] = f"{merged[name]}, {value}" if name in merged else value
    return merged
