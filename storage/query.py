"""Running a user's SQL and summarising what the warehouse holds."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import duckdb

from storage.errors import QueryError


@dataclass(frozen=True, slots=True)
class QueryResult:
    columns: list[str]
    rows: list[tuple[Any, ...]]


def run_query(con: duckdb.DuckDBPyConnection, sql: str, *, limit: int | None = None) -> QueryResult:
    try:
        cur = con.execute(sql)
    except duckdb.Error as exc:
        raise QueryError(f"query failed: {exc}") from exc
    if cur.description is None:
        return QueryResult([], [])
    columns = [d[0] for d in cur.description]
    rows = cur.fetchmany(limit) if limit else cur.fetchall()
    return QueryResult(columns, rows)


STATS_SQL = {
    "articles (current)": "SELECT count(*) FROM articles WHERE valid_to IS NULL",
    "article versions": "SELECT count(*) FROM articles",
    "changed articles": "SELECT count(DISTINCT id) FROM articles WHERE version > 1",
    "domains": "SELECT count(DISTINCT domain) FROM articles WHERE domain IS NOT NULL",
    "fetches": "SELECT count(*) FROM fetches",
    "frontier pending": "SELECT count(*) FROM frontier WHERE state = 'pending'",
    "runs": "SELECT count(*) FROM runs",
}


def warehouse_stats(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    stats: dict[str, int] = {}
    for name, sql in STATS_SQL.items():
        row = con.execute(sql).fetchone()
        stats[name] = int(row[0]) if row else 0
    return stats


# What `make run` prints after scraping the demo site and backfilling seeds/.
DEMO_SUMMARY_SQL: tuple[tuple[str, str], ...] = (
    (
        "articles per site",
        "SELECT coalesce(site_name, domain, source) AS site, count(*) AS articles, "
        "string_agg(DISTINCT language, ', ' ORDER BY language) AS languages, "
        "min(published_at)::DATE AS earliest, max(published_at)::DATE AS latest "
        "FROM articles WHERE valid_to IS NULL GROUP BY 1 ORDER BY 2 DESC, 1",
    ),
    (
        "a sample of articles (the latest three per site)",
        "SELECT coalesce(site_name, domain, source) AS site, left(title, 56) AS title, "
        "published_at::DATE AS published, language FROM articles WHERE valid_to IS NULL "
        "QUALIFY row_number() OVER (PARTITION BY coalesce(site_name, domain, source) "
        "ORDER BY published_at DESC NULLS LAST, id) <= 3 ORDER BY site, published DESC, title",
    ),
    (
        "runs",
        "SELECT kind, status, started_at::TIMESTAMP(0) AS started, stats FROM runs "
        "ORDER BY started_at DESC LIMIT 5",
    ),
)
