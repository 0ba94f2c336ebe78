"""robots.txt through protego: fetched once per host per run, cached, and obeyed.

A 4xx (or a redirect loop) means allow all; a 5xx, 429, timeout or connection failure disallows
the host for a while, as the major search engines document. Crawl-delay raises the host delay.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from protego import Protego

from ingest.fetch._models import FetchResult, Outcome
from ingest.fetch._politeness import HostPolicy

_ROBOTS_MAX_BYTES = 512 * 1024  # Google reads the first 500 KiB and ignores the rest
# A blocked robots.txt allows all so that the page itself is refused as `blocked_address`.
_ALLOW_ALL_OUTCOMES = frozenset(
    {Outcome.TOO_MANY_REDIRECTS, Outcome.UNSUPPORTED_CONTENT_TYPE, Outcome.BLOCKED_ADDRESS}
)


@dataclass(frozen=True, slots=True)
class _Entry:
    """What is known about one host's robots.txt."""

    rules: Protego | None  # None: no rules, so everything is allowed unless `blocked_until`
    blocked_until: float = 0.0  # monotonic time; > now means the host is disallowed

    def allows(self, url: str, agent: str) -> bool:
        if self.blocked_until > time.monotonic():
            return False
        return self.rules is None or self.rules.can_fetch(url, agent)


class RobotsCache:
    """Per-host robots.txt decisions for one run; `fetch` gets a robots.txt URL's result."""

    def __init__(
        self,
        *,
        fetch: Callable[[str], Awaitable[FetchResult]],
        user_agent: str,
        hosts: HostPolicy,
        failure_ttl_s: float,
    ) -> None:
        self._fetch = fetch
        self._agent = user_agent.split("/", 1)[0].strip() or user_agent
        self._hosts = hosts
        self._failure_ttl_s = failure_ttl_s
        self._entries: dict[str, _Entry] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    async def allows(self, origin: str, url: str) -> bool:
        """Whether robots.txt at `origin` (scheme://host[:port]) allows fetching `url`."""
        return (await self._entry(origin)).allows(url, self._agent)

    async def sitemaps(self, origin: str) -> tuple[str, ...]:
        """The `Sitemap:` URLs of the robots.txt at `origin`, fetching it if needed."""
        rules = (await self._entry(origin)).rules
        return tuple(rules.sitemaps) if rules is not None else ()

    async def _entry(self, origin: str) -> _Entry:
        entry = self._entries.get(origin)
        if entry is not None and not self._expired(entry):
            return entry
        lock = self._locks.setdefault(origin, asyncio.Lock())
        async with lock:
            entry = self._entries.get(origin)
            if entry is None or self._expired(entry):
                entry = self._interpret(origin, await self._fetch(f"{origin}/robots.txt"))
                self._entries[origin] = entry
        return entry

    @staticmethod
    def _expired(entry: _Entry) -> bool:
        return 0.0 < entry.blocked_until <= time.monotonic()

    def _interpret(self, origin: str, result: FetchResult) -> _Entry:
        if result.outcome is Outcome.OK:
            text = result.body[:_ROBOTS_MAX_BYTES].decode("utf-8", errors="replace")
            rules = Protego.parse(text)
            delay = rules.crawl_delay(self._agent)
            if delay:
                self._hosts.set_crawl_delay(origin, float(delay))
            return _Entry(rules)
        status = result.status or 0
        if result.outcome in _ALLOW_ALL_OUTCOMES or (400 <= status < 500 and status != 429):
            return _Entry(None)
        return _Entry(None, blocked_until=time.monotonic() + self._failure_ttl_s)
