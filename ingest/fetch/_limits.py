"""Settings of the fetcher: frozen, keyword-only value objects with safe defaults.

`FetchSettings` is the one object a caller builds; the smaller groups keep related knobs together.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import metadata
from typing import Literal

Kind = Literal["article", "feed", "sitemap", "robots"]
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


def _version() -> str:
    try:
        return metadata.version("newsdesk")
    except metadata.PackageNotFoundError:  # running from a source tree that is not installed
        return "0"


DEFAULT_USER_AGENT = f"newsdesk/{_version()} (+https://example.org/newsdesk-bot)"

_XML = frozenset(
    {
        "application/xml",
        "text/xml",
        "application/rss+xml",
        "application/atom+xml",
        "application/rdf+xml",
    }
)
_GZIP = frozenset({"application/gzip", "application/x-gzip"})

#: Content types accepted per kind of request; an empty set accepts any type.
DEFAULT_CONTENT_TYPES: Mapping[str, frozenset[str]] = {
    "article": frozenset({"text/html", "application/xhtml+xml"}),
    "feed": _XML | _GZIP,
    "sitemap": _XML | _GZIP | {"text/plain"},
    "robots": frozenset(),
}


@dataclass(frozen=True, kw_only=True, slots=True)
class Timeouts:
    """Per-attempt time bounds, in seconds."""

    connect_s: float = 10.0
    read_s: float = 20.0  # longest silence while waiting for headers or body bytes
    request_s: float = 60.0  # one request, from connecting to the last body byte


@dataclass(frozen=True, kw_only=True, slots=True)
class RetryPolicy:
    """When and how long to retry one URL (see `_retry.py`)."""

    max_attempts: int = 4
    max_total_s: float = 180.0  # all attempts and waits of one URL
    backoff_initial_s: float = 0.5
    backoff_max_s: float = 30.0
    backoff_jitter_s: float = 0.5
    retry_after_cap_s: float = 120.0
    statuses: frozenset[int] = frozenset({408, 429, 500, 502, 503, 504})


@dataclass(frozen=True, kw_only=True, slots=True)
class Politeness:
    """The per-host delay between request starts, and how it adapts."""

    min_delay_s: float = 0.0
    max_delay_s: float = 60.0
    throttle_delay_s: float = 1.0  # the least delay after a 429 or 503 answer
    ease_factor: float = 0.8  # each success multiplies the extra delay by this
    crawl_delay_cap_s: float = 30.0  # robots.txt Crawl-delay is obeyed up to this
    robots_failure_ttl_s: float = 600.0  # a host whose robots.txt fails stays disallowed


@dataclass(frozen=True, kw_only=True, slots=True)
class FetchSettings:
    """Everything the fetcher can be told; the defaults are safe for the open web."""

    concurrency: int = 64
    per_host: int = 4
    user_agent: str = DEFAULT_USER_AGENT
    allow_private_addresses: bool = False
    # Refused even when private addresses are allowed (tests mark 127.0.0.2 this way).
    forbidden_networks: tuple[IPNetwork, ...] = ()
    respect_robots: bool = True
    ignore_robots_for: frozenset[str] = frozenset()  # host names (your own sites)
    max_body_bytes: int = 10 * 1024 * 1024
    max_decompressed_bytes: int = 40 * 1024 * 1024
    max_compression_ratio: float = 100.0
    max_redirects: int = 10
    timeouts: Timeouts = field(default_factory=Timeouts)
    retries: RetryPolicy = field(default_factory=RetryPolicy)
    politeness: Politeness = field(default_factory=Politeness)
    content_types: Mapping[str, frozenset[str]] = field(
        default_factory=lambda: dict(DEFAULT_CONTENT_TYPES)
    )

    def __post_init__(self) -> None:
        if self.concurrency < 1 or self.per_host < 1:
            raise ValueError("concurrency and per_host must be at least 1")
        if self.max_body_bytes < 1 or self.max_decompressed_bytes < 1:
            raise ValueError("body limits must be positive")
        if self.retries.max_attempts < 1:
            raise ValueError("retries.max_attempts must be at least 1")
        hosts = frozenset(host.lower().rstrip(".") for host in self.ignore_robots_for)
        object.__setattr__(self, "ignore_robots_for", hosts)
