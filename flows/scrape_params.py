"""The scrape's parameters as plain, validated data (JSON in deployments, options in the CLI),
and their translation into the pipeline's `Sources` and `ScrapeSettings`.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ingest.discover import LinkFollowPolicy
from ingest.fetch import FetchSettings
from ingest.pipeline import ScrapeSettings, Sources
from ingest.pipeline.settings import DEFAULT_BATCH_SIZE


class _Params(BaseModel):
    # Frozen and strict about names: a misspelt key in prefect.yaml or `-p` fails the run early.
    model_config = ConfigDict(frozen=True, extra="forbid")


class FollowLinks(_Params):
    """Same-site link following from every fetched page, up to a depth."""

    max_depth: int = Field(default=1, ge=0)
    max_pages: int = Field(default=1000, ge=0)
    include: list[str] = Field(default_factory=list, description="URL regexes to keep")
    exclude: list[str] = Field(default_factory=list, description="URL regexes to drop")

    @field_validator("include", "exclude")
    @classmethod
    def _compiles(cls, patterns: list[str]) -> list[str]:
        for pattern in patterns:
            try:
                re.compile(pattern)
            except re.error as exc:
                msg = f"URL pattern {pattern!r} is not a regular expression: {exc}"
                raise ValueError(msg) from exc
        return patterns


class SourceParams(_Params):
    """Where the scrape finds URLs; every list may be empty."""

    urls: list[str] = Field(default_factory=list, description="article URLs")
    urls_files: list[str] = Field(default_factory=list, description="files of URLs, one a line")
    feeds: list[str] = Field(default_factory=list, description="RSS or Atom feed URLs")
    sitemaps: list[str] = Field(default_factory=list, description="sitemap or index URLs")
    robots_sitemaps: list[str] = Field(
        default_factory=list, description="sites whose robots.txt Sitemap lines are crawled"
    )
    follow_links: FollowLinks | None = None


class LimitParams(_Params):
    """How much of the network and of the clock one run may use."""

    concurrency: int = Field(default=64, ge=1, description="requests in flight in all")
    per_host: int = Field(default=4, ge=1, description="requests in flight per host")
    batch_size: int = Field(default=DEFAULT_BATCH_SIZE, ge=1, description="URLs per Prefect task")
    max_pages: int | None = Field(default=None, ge=1, description="pages to fetch at most")
    time_budget_s: float | None = Field(
        default=None, gt=0, description="no new batch is started after this many seconds"
    )


def to_sources(params: SourceParams) -> Sources:
    follow = params.follow_links
    policy = (
        LinkFollowPolicy(
            max_depth=follow.max_depth,
            max_pages=follow.max_pages,
            include=tuple(follow.include),
            exclude=tuple(follow.exclude),
        )
        if follow is not None
        else None
    )
    return Sources(
        urls=tuple(params.urls),
        urls_files=tuple(params.urls_files),
        feeds=tuple(params.feeds),
        sitemaps=tuple(params.sitemaps),
        robots_sitemaps=tuple(params.robots_sitemaps),
        follow_links=policy,
    )


def to_settings(
    limits: LimitParams,
    *,
    allow_private_addresses: bool = False,
    ignore_robots_for: Sequence[str] = (),
    forbidden_networks: Sequence[str] = (),
) -> ScrapeSettings:
    """The pipeline's settings; `forbidden_networks` (CIDR) are refused even when private
    addresses are allowed, which is how tests and the demo stay on loopback."""
    fetch = FetchSettings(
        concurrency=limits.concurrency,
        per_host=limits.per_host,
        allow_private_addresses=allow_private_addresses,
        forbidden_networks=tuple(_network(text) for text in forbidden_networks),
        ignore_robots_for=frozenset(host.lower() for host in ignore_robots_for),
    )
    return ScrapeSettings(
        fetch=fetch,
        batch_size=limits.batch_size,
        max_pages=limits.max_pages,
        time_budget_s=limits.time_budget_s,
    )


def _network(text: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    try:
        return ipaddress.ip_network(text)
    except ValueError as exc:
        raise ValueError(f"forbidden network {text!r}: {exc}") from exc
