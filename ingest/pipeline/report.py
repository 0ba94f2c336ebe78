"""Run reports: per-domain figures that merge with `+`, bounded in size however long the crawl.

Latencies go into a log-bucket sketch (p50/p95 within 4%), failures into a short sample list.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from typing import Literal

_RATIO = math.log(1.04)
_FLOOR_S = 1e-4
MAX_FAILURES = 50  # failures listed in a report; the rest are only counted

StopReason = Literal["no_work", "max_pages", "time_budget"]


@dataclass(slots=True)
class LatencySketch:
    """Counts of latencies in buckets 4% wide: merging and quantiles never need the samples."""

    buckets: Counter[int] = field(default_factory=Counter)

    def add(self, seconds: float) -> None:
        self.buckets[round(math.log(max(seconds, _FLOOR_S)) / _RATIO)] += 1

    def __add__(self, other: LatencySketch) -> LatencySketch:
        return LatencySketch(self.buckets + other.buckets)

    @property
    def count(self) -> int:
        return sum(self.buckets.values())

    def quantile(self, q: float) -> float | None:
        """The q-quantile in seconds (bucket midpoint), or None without samples."""
        total = self.count
        if not total:
            return None
        rank, seen = q * (total - 1), 0
        for index in sorted(self.buckets):
            seen += self.buckets[index]
            if seen > rank:
                return math.exp(index * _RATIO)
        return math.exp(max(self.buckets) * _RATIO)


@dataclass(slots=True)
class DomainStats:
    """One domain's figures: URLs by outcome class, articles by novelty, bytes, latency."""

    outcomes: Counter[str] = field(default_factory=Counter)
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    bytes: int = 0
    latency: LatencySketch = field(default_factory=LatencySketch)

    def __add__(self, other: DomainStats) -> DomainStats:
        return DomainStats(
            self.outcomes + other.outcomes,
            self.new + other.new,
            self.changed + other.changed,
            self.unchanged + other.unchanged,
            self.bytes + other.bytes,
            self.latency + other.latency,
        )

    @property
    def urls(self) -> int:
        return sum(self.outcomes.values())

    def row(self) -> dict[str, object]:
        p50, p95 = self.latency.quantile(0.5), self.latency.quantile(0.95)
        return {
            "urls": self.urls,
            **{f"outcome:{k}": v for k, v in sorted(self.outcomes.items())},
            "new": self.new,
            "changed": self.changed,
            "unchanged": self.unchanged,
            "bytes": self.bytes,
            "p50_ms": round(p50 * 1000, 1) if p50 is not None else None,
            "p95_ms": round(p95 * 1000, 1) if p95 is not None else None,
        }


@dataclass(frozen=True, slots=True)
class Failure:
    """One URL that did not become an article, and why (a sample; counts are in the stats)."""

    url: str
    outcome: str
    error: str | None


def _merge_domains(a: dict[str, DomainStats], b: dict[str, DomainStats]) -> dict[str, DomainStats]:
    merged = dict(a)
    for domain, stats in b.items():
        merged[domain] = merged[domain] + stats if domain in merged else stats
    return merged


def _merge_failures(a: list[Failure], b: list[Failure]) -> list[Failure]:
    return (a + b)[:MAX_FAILURES]


@dataclass(slots=True)
class BatchReport:
    """What one or more batches did: per-domain stats, links added, a sample of failures."""

    domains: dict[str, DomainStats] = field(default_factory=dict)
    links_added: int = 0
    batches: int = 0
    elapsed_s: float = 0.0
    failures: list[Failure] = field(default_factory=list)

    def __add__(self, other: BatchReport) -> BatchReport:
        return BatchReport(
            _merge_domains(self.domains, other.domains),
            self.links_added + other.links_added,
            self.batches + other.batches,
            self.elapsed_s + other.elapsed_s,
            _merge_failures(self.failures, other.failures),
        )

    merge = __add__

    def domain(self, name: str) -> DomainStats:
        return self.domains.setdefault(name, DomainStats())

    @property
    def totals(self) -> DomainStats:
        return sum(self.domains.values(), DomainStats())

    @property
    def fetched(self) -> int:
        return self.totals.urls

    @property
    def stored(self) -> int:
        t = self.totals
        return t.new + t.changed + t.unchanged

    @property
    def failed(self) -> int:
        t = self.totals
        return t.urls - t.outcomes["ok"] - t.outcomes["not_modified"]

    def rows(self) -> list[dict[str, object]]:
        """One row per domain, then a total row: the flow's artifact table."""
        rows = [{"domain": d, **s.row()} for d, s in sorted(self.domains.items())]
        return rows + [{"domain": "(all)", **self.totals.row()}]


@dataclass(slots=True)
class DiscoveryReport:
    """What discovery did: documents read or refused, URLs found, and how many were new."""

    documents: int = 0
    documents_failed: int = 0
    found: int = 0
    new: int = 0
    rejected: int = 0
    errors: list[str] = field(default_factory=list)
    elapsed_s: float = 0.0

    def __add__(self, other: DiscoveryReport) -> DiscoveryReport:
        return DiscoveryReport(
            self.documents + other.documents,
            self.documents_failed + other.documents_failed,
            self.found + other.found,
            self.new + other.new,
            self.rejected + other.rejected,
            (self.errors + other.errors)[:MAX_FAILURES],
            self.elapsed_s + other.elapsed_s,
        )

    merge = __add__

    def error(self, message: str) -> None:
        if len(self.errors) < MAX_FAILURES:
            self.errors.append(message)


@dataclass(slots=True)
class ScrapeReport:
    """A whole scrape: discovery, the merged batches, and why the run stopped."""

    run_id: str
    discovery: DiscoveryReport = field(default_factory=DiscoveryReport)
    pages: BatchReport = field(default_factory=BatchReport)
    stopped: StopReason = "no_work"
    elapsed_s: float = 0.0

    @property
    def ok(self) -> bool:
        """True when no page and no discovery document failed."""
        return self.pages.failed == 0 and self.discovery.documents_failed == 0

    def summary(self) -> dict[str, object]:
        t = self.pages.totals
        return {
            "run_id": self.run_id,
            "discovered": self.discovery.new,
            "fetched": self.pages.fetched,
            "failed": self.pages.failed,
            "new": t.new,
            "changed": t.changed,
            "unchanged": t.unchanged,
            "bytes": t.bytes,
            "batches": self.pages.batches,
            "stopped": self.stopped,
            "elapsed_s": round(self.elapsed_s, 3),
            "discovery_s": round(self.discovery.elapsed_s, 3),
        }


@dataclass(slots=True)
class ReparseReport:
    """A re-parse of stored fetches: pages read, articles by novelty, pages that gave none."""

    pages: int = 0
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    failed: int = 0
    parser_version: str = ""
    failures: list[Failure] = field(default_factory=list)

    def __add__(self, other: ReparseReport) -> ReparseReport:
        return ReparseReport(
            self.pages + other.pages,
            self.new + other.new,
            self.changed + other.changed,
            self.unchanged + other.unchanged,
            self.failed + other.failed,
            self.parser_version or other.parser_version,
            _merge_failures(self.failures, other.failures),
        )

    merge = __add__
