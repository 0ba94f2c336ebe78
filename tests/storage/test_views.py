"""Views for SQL users: latest versions, per day / domain / language, fetch health."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from ingest.article import Article
from storage.articles import append_articles
from storage.warehouse import Warehouse

T0 = datetime(2026, 3, 1, 8, tzinfo=UTC)


def art(key: str, text: str, domain: str, published: datetime | None, lang: str | None) -> Article:
    return Article(
        id=key * 16, text=text, domain=domain, published_at=published, language=lang, title=text
    )


@pytest.fixture
def con(tmp_path: Path) -> duckdb.DuckDBPyConnection:
    with Warehouse(tmp_path / "w.duckdb").connection() as connection:
        # The session's time zone must not move articles between days.
        connection.execute("SET TimeZone = 'America/Los_Angeles'")
        yield connection


def rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[tuple]:
    return con.execute(sql).fetchall()


def test_versions_validity_and_seen_times(con: duckdb.DuckDBPyConnection) -> None:
    t1, t2, t3 = T0, T0 + timedelta(hours=1), T0 + timedelta(hours=2)
    append_articles(con, [art("a", "first text", "x.test", t1, "en")], seen_at=t1)
    append_articles(con, [art("a", "first text", "x.test", t1, "en")], seen_at=t2)
    append_articles(con, [art("a", "second text", "x.test", t1, "en")], seen_at=t3)
    history = rows(
        con,
        "SELECT version, valid_from, valid_to, first_seen, last_seen FROM articles ORDER BY 1",
    )
    # Unchanged: only last_seen moved. Changed: a new version; first_seen stays the article's.
    assert history == [(1, t1, t3, t1, t2), (2, t3, None, t1, t3)]
    assert rows(con, "SELECT id, version, text FROM latest_articles") == [
        ("a" * 16, 2, "second text")
    ]


def test_per_day_per_domain_and_languages(con: duckdb.DuckDBPyConnection) -> None:
    late = datetime(2026, 3, 1, 23, 30, tzinfo=UTC)  # 1 March in UTC, 1 March 15:30 in LA
    batch = [
        art("a", "alpha story", "x.test", late, "en"),
        art("b", "beta story", "x.test", late + timedelta(hours=1), "en"),
        art("c", "gamma story", "y.test", late, "de"),
        art("d", "delta story", "y.test", None, None),
    ]
    append_articles(con, batch, seen_at=T0 + timedelta(days=5))
    assert rows(con, "SELECT day::VARCHAR, articles, domains FROM articles_per_day ORDER BY 1") == [
        ("2026-03-01", 2, 2),
        ("2026-03-02", 1, 1),
        ("2026-03-06", 1, 1),  # no publication date: the day it was first seen
    ]
    assert rows(con, "SELECT domain, articles FROM articles_per_domain ORDER BY 1") == [
        ("x.test", 2),
        ("y.test", 2),
    ]
    assert rows(con, "SELECT * FROM articles_per_language ORDER BY 1") == [
        ("de", 1, 25.0),
        ("en", 2, 50.0),
        ("unknown", 1, 25.0),
    ]


def test_fetch_health_per_domain(con: duckdb.DuckDBPyConnection) -> None:
    fetches = [
        ("f1", "x.test", "ok", 100.0),
        ("f2", "x.test", "ok", 300.0),
        ("f3", "x.test", "timeout", 10_000.0),
        ("f4", "x.test", "not_modified", 50.0),
        ("f5", "y.test", "http_error", 20.0),
    ]
    con.executemany(
        "INSERT INTO fetches (fetch_id, url, domain, outcome, elapsed_ms, started_at) "
        "VALUES (?, 'https://' || ? || '/', ?, ?, ?, ?)",
        [(f, d, d, o, ms, T0) for f, d, o, ms in fetches],
    )
    health = rows(
        con,
        "SELECT domain, fetches, ok, not_modified, failed, failed_percent, median_ms, "
        "outcomes FROM fetch_health ORDER BY 1",
    )
    assert health == [
        ("x.test", 4, 2, 1, 1, 25.0, 200.0, {"not_modified": 1, "ok": 2, "timeout": 1}),
        ("y.test", 1, 0, 0, 1, 100.0, 20.0, {"http_error": 1}),
    ]
