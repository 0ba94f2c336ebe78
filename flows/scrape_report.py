"""How a scrape's report is shown: one log line per batch, and the per-domain summary table that
the flow publishes as an artifact and the CLI prints (no Prefect import here).
"""

from __future__ import annotations

from ingest.pipeline import BatchReport


def summary_rows(report: BatchReport) -> list[dict[str, object]]:
    """One row per domain and an "(all)" row last, every row with the same columns."""
    rows = report.rows()
    columns = list(dict.fromkeys(key for row in rows for key in row))
    outcomes = {c for c in columns if c.startswith("outcome:")}
    return [{c: row.get(c, 0 if c in outcomes else None) for c in columns} for row in rows]


def describe(report: BatchReport) -> str:
    """One log line for a batch or a run: counts, bytes and latency, never a list of URLs."""
    totals = report.rows()[-1]
    return (
        f"{report.fetched} fetched, {report.stored} stored ({totals['new']} new, "
        f"{totals['changed']} changed), {report.failed} failed, {totals['bytes']:,} bytes, "
        f"p50 {totals['p50_ms']} ms, p95 {totals['p95_ms']} ms, {report.links_added} links added"
    )
