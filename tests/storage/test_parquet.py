"""Parquet export: every table, partitioned by UTC day, readable back with the same rows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from ingest.article import Article
from storage.articles import append_articles
from storage.parquet import ExportError, export_parquet
from storage.runs import start_run
from storage.warehouse import Warehouse

DAY = datetime(2026, 3, 1, 22, tzinfo=UTC)


@pytest.fixture
def warehouse(tmp_path: Path) -> Warehouse:
    wh = Warehouse(tmp_path / "w.duckdb")
    with wh.connection() as con:
        start_run(con, "backfill")
        batch = [
            Article(id=f"{i:016x}", text=f"story {i}", published_at=DAY + timedelta(hours=i))
            for i in range(4)
        ]
        append_articles(con, batch, seen_at=DAY)
        append_articles(con, [Article(id=f"{0:016x}", text="story 0, corrected")],
                        seen_at=DAY + timedelta(days=3))
    return Warehouse(wh.path, read_only=True)


def test_tables_are_written_by_day_and_read_back(warehouse: Warehouse, tmp_path: Path) -> None:
    out = tmp_path / "export"
    with warehouse.connection() as con:
        written = export_parquet(con, out)
    assert written == {"articles": 5, "fetches": 0, "runs": 1, "frontier": 0}
    days = sorted(p.name for p in (out / "articles").iterdir())
    # 22:00 and 23:00 UTC on 1 March, then 2 March; the correction has no date: its first_seen.
    assert days == ["day=2026-03-01", "day=2026-03-02"]
    reader = duckdb.connect()
    back = reader.execute(
        f"SELECT day::VARCHAR, count(*), count(DISTINCT id) FROM read_parquet("
        f"'{out}/articles/*/*.parquet', hive_partitioning = true) GROUP BY 1 ORDER BY 1"
    ).fetchall()
    assert back == [("2026-03-01", 3, 2), ("2026-03-02", 2, 2)]


def test_a_new_export_replaces_the_old_one(warehouse: Warehouse, tmp_path: Path) -> None:
    out = tmp_path / "export"
    stale = out / "articles" / "day=1999-01-01"
    stale.mkdir(parents=True)
    (stale / "old.parquet").write_bytes(b"not parquet")
    with warehouse.connection() as con:
        export_parquet(con, out)
    assert not stale.exists()


def test_export_into_a_file_is_refused_clearly(warehouse: Warehouse, tmp_path: Path) -> None:
    target = tmp_path / "file.txt"
    target.write_text("x")
    with warehouse.connection() as con, pytest.raises(ExportError, match="not a folder"):
        export_parquet(con, target)
