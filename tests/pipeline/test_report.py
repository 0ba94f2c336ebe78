"""Reports: latency quantiles from the bounded sketch, and merging that loses nothing."""

from __future__ import annotations

import random

from ingest.pipeline import BatchReport, DomainStats, LatencySketch
from ingest.pipeline.report import MAX_FAILURES, Failure


def test_sketch_quantiles_are_within_four_percent_of_the_exact_ones() -> None:
    rng = random.Random(7)
    samples = sorted(rng.lognormvariate(-3, 1.2) for _ in range(5000))
    sketch = LatencySketch()
    for s in samples:
        sketch.add(s)
    for q in (0.5, 0.95):
        exact = samples[int(q * (len(samples) - 1))]
        assert abs(sketch.quantile(q) / exact - 1) < 0.04
    assert len(sketch.buckets) < 300  # bounded however many samples
    assert LatencySketch().quantile(0.5) is None


def test_merged_reports_equal_one_report_of_everything() -> None:
    whole, parts = BatchReport(), [BatchReport(), BatchReport()]
    for n in range(40):
        for report in (whole, parts[n % 2]):
            stats = report.domain(f"site{n % 3}.example")
            stats.outcomes["ok" if n % 4 else "timeout"] += 1
            stats.new += 1
            stats.bytes += n
            stats.latency.add(n / 100)
    merged = parts[0] + parts[1]
    assert merged.rows() == whole.rows()
    assert merged.fetched == 40 and merged.failed == 10 and merged.stored == 40


def test_totals_row_sums_the_domains() -> None:
    report = BatchReport(domains={"a": DomainStats(new=2, bytes=10), "b": DomainStats(changed=1)})
    total = report.rows()[-1]
    assert total["domain"] == "(all)" and (total["new"], total["changed"], total["bytes"]) == (
        2,
        1,
        10,
    )


def test_the_failure_sample_stays_bounded() -> None:
    one = BatchReport(failures=[Failure(f"u{n}", "timeout", None) for n in range(MAX_FAILURES)])
    assert len((one + one).failures) == MAX_FAILURES
