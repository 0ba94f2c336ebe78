"""The manifest of backfilled record files: which files are known, by size and mtime.

A file whose size and modification time match its manifest row is taken as unchanged without
being read, the way make and rsync decide; `verify` in the backfill turns this off.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import duckdb
import pyarrow as pa

from ingest.article import Article
from storage._transaction import transaction
from storage.articles import AppendResult, append_articles_in_transaction


@dataclass(frozen=True, slots=True)
class FileStat:
    path: str
    size: int
    mtime_ns: int


@dataclass(frozen=True, slots=True)
class LoadedFile:
    path: str
    size: int
    mtime_ns: int
    id: str
    content_hash: str


def _stats_table(stats: Sequence[FileStat]) -> pa.Table:
    return pa.table(
        {
            "path": [s.path for s in stats],
            "size": pa.array([s.size for s in stats], pa.int64()),
            "mtime_ns": pa.array([s.mtime_ns for s in stats], pa.int64()),
        }
    )


def find_unmodified(con: duckdb.DuckDBPyConnection, stats: Sequence[FileStat]) -> set[str]:
    """Paths whose manifest row has the same size and mtime (and whose text is current)."""
    if not stats:
        return set()
    con.register("_stats", _stats_table(stats))
    try:
        rows = con.execute(
            """
            SELECT s.path FROM _stats s
            JOIN record_files f ON f.path = s.path AND f.size = s.size AND f.mtime_ns = s.mtime_ns
            """
        ).fetchall()
    finally:
        con.unregister("_stats")
    return {row[0] for row in rows}


def touch_unmodified(
    con: duckdb.DuckDBPyConnection, paths: Sequence[str], seen_at: datetime
) -> None:
    """Move last_seen of the current versions those unmodified files hold."""
    if not paths:
        return
    con.register("_touched", pa.table({"path": list(paths)}))
    try:
        con.execute(
            """
            UPDATE articles SET last_seen = greatest(articles.last_seen, ?)
            FROM record_files f JOIN _touched t USING (path)
            WHERE articles.id = f.id AND articles.content_hash = f.content_hash
              AND articles.valid_to IS NULL
            """,
            [seen_at],
        )
    finally:
        con.unregister("_touched")


def remember_files(
    con: duckdb.DuckDBPyConnection,
    files: Sequence[LoadedFile],
    *,
    run_id: str | None,
    loaded_at: datetime,
) -> None:
    if not files:
        return
    table = pa.table(
        {
            "path": [f.path for f in files],
            "size": pa.array([f.size for f in files], pa.int64()),
            "mtime_ns": pa.array([f.mtime_ns for f in files], pa.int64()),
            "id": [f.id for f in files],
            "content_hash": [f.content_hash for f in files],
        }
    )
    con.register("_loaded", table)
    try:
        con.execute(
            """
            INSERT OR REPLACE INTO record_files
            SELECT path, size, mtime_ns, id, content_hash, ?, ? FROM _loaded
            """,
            [run_id, loaded_at],
        )
    finally:
        con.unregister("_loaded")


def store_record_batch(
    con: duckdb.DuckDBPyConnection,
    articles: Sequence[Article],
    files: Sequence[LoadedFile],
    unmodified: Sequence[str],
    *,
    run_id: str | None,
    seen_at: datetime,
) -> AppendResult:
    """One backfill batch in one transaction: the articles, the manifest, the skipped files."""
    with transaction(con):
        appended = append_articles_in_transaction(con, articles, seen_at=seen_at, run_id=run_id)
        touch_unmodified(con, unmodified, seen_at)
        remember_files(con, files, run_id=run_id, loaded_at=seen_at)
    return appended
