"""Appending articles: one Arrow batch per call, classified as new, unchanged or changed.

A changed text becomes a new version row and closes the previous one; an unchanged text only
moves its last-seen time; nothing is ever overwritten. Duplicate marks and search postings are
derived later, at the end of each run (storage/derived.py), so that an append stays cheap.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from hashlib import sha256
from operator import attrgetter

import duckdb
import pyarrow as pa

from ingest.article import Article
from storage._transaction import transaction

_TS = pa.timestamp("us", tz="UTC")
_STAGE_SCHEMA = pa.schema(
    [
        ("ord", pa.int64()),
        ("id", pa.string()),
        ("content_hash", pa.string()),
        ("text", pa.string()),
        ("layout", pa.string()),
        ("seq", pa.int32()),
        ("title", pa.string()),
        ("url", pa.string()),
        ("canonical_url", pa.string()),
        ("domain", pa.string()),
        ("authors", pa.list_(pa.string())),
        ("published_at", _TS),
        ("published_precision", pa.string()),
        ("published_source", pa.string()),
        ("modified_at", _TS),
        ("language", pa.string()),
        ("language_source", pa.string()),
        ("site_name", pa.string()),
        ("description", pa.string()),
        ("section", pa.string()),
        ("tags", pa.list_(pa.string())),
        ("image", pa.string()),
        ("is_free_access", pa.bool_()),
        ("page_type", pa.string()),
        ("source", pa.string()),
        ("fetch_id", pa.string()),
        ("parser_version", pa.string()),
    ]
)
_COPIED = [f.name for f in _STAGE_SCHEMA if f.name != "ord"]
_LIST_TYPES = (pa.list_(pa.string()),)


@dataclass(frozen=True, slots=True)
class AppendResult:
    new: int = 0
    unchanged: int = 0
    changed: int = 0

    def __add__(self, other: AppendResult) -> AppendResult:
        return AppendResult(
            self.new + other.new,
            self.unchanged + other.unchanged,
            self.changed + other.changed,
        )


def articles_to_arrow(articles: Sequence[Article]) -> pa.Table:
    """Column-wise Arrow table of a batch (the only way rows reach DuckDB)."""
    # One C-level attrgetter call per article and one transpose, instead of a getattr per cell.
    fields = [name for name in _COPIED if name != "content_hash"]
    columns = dict(zip(fields, zip(*map(attrgetter(*fields), articles), strict=True), strict=True))
    arrays: dict[str, object] = {
        "ord": pa.array(range(len(articles)), pa.int64()),
        "content_hash": [sha256(text.encode("utf-8")).hexdigest() for text in columns["text"]],
    }
    for name in _COPIED:
        if name in arrays:
            continue
        values = columns[name]
        if _STAGE_SCHEMA.field(name).type in _LIST_TYPES:
            values = [list(v) if v else None for v in values]
        arrays[name] = pa.array(values, _STAGE_SCHEMA.field(name).type)
    return pa.table(arrays, schema=_STAGE_SCHEMA)


def append_articles(
    con: duckdb.DuckDBPyConnection,
    articles: Sequence[Article],
    *,
    seen_at: datetime,
    run_id: str | None = None,
) -> AppendResult:
    """Append one batch in one transaction; re-appending the same texts adds no rows."""
    if not articles:
        return AppendResult()
    with transaction(con):
        return append_articles_in_transaction(con, articles, seen_at=seen_at, run_id=run_id)


def append_articles_in_transaction(
    con: duckdb.DuckDBPyConnection,
    articles: Sequence[Article],
    *,
    seen_at: datetime,
    run_id: str | None = None,
) -> AppendResult:
    """`append_articles` inside a transaction the caller opened (and commits or rolls back)."""
    if not articles:
        return AppendResult()
    con.register("_batch", articles_to_arrow(articles))
    try:
        return _append_staged(con, seen_at, run_id)
    finally:
        con.execute("DROP TABLE IF EXISTS temp._stage")
        con.unregister("_batch")


def _append_staged(
    con: duckdb.DuckDBPyConnection, seen_at: datetime, run_id: str | None
) -> AppendResult:
    # The stage holds only ids and hashes: the texts go from the Arrow batch straight into
    # `articles`, copied once. The last occurrence of an id in a batch wins; it is compared with
    # the article's current version.
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE _stage AS
        SELECT b.ord, b.id, b.content_hash, cur.version AS prev_version,
               cur.content_hash AS prev_hash, cur.first_seen AS prev_first_seen
        FROM (SELECT ord, id, content_hash FROM _batch
              QUALIFY row_number() OVER (PARTITION BY id ORDER BY ord DESC) = 1) b
        LEFT JOIN (SELECT id, version, content_hash, first_seen FROM articles
                   WHERE valid_to IS NULL) cur
          USING (id)
        """
    )
    new, unchanged, changed = con.execute(
        """
        SELECT count(*) FILTER (prev_version IS NULL),
               count(*) FILTER (prev_hash = content_hash),
               count(*) FILTER (prev_version IS NOT NULL AND prev_hash <> content_hash)
        FROM _stage
        """
    ).fetchone()
    if unchanged:
        con.execute(
            """
            UPDATE articles SET last_seen = greatest(articles.last_seen, ?)
            FROM _stage s
            WHERE articles.id = s.id AND articles.valid_to IS NULL
              AND s.prev_hash = s.content_hash
            """,
            [seen_at],
        )
    if changed:
        con.execute(
            """
            UPDATE articles SET valid_to = ?
            FROM _stage s
            WHERE articles.id = s.id AND articles.valid_to IS NULL
              AND s.prev_hash <> s.content_hash
            """,
            [seen_at],
        )
    if new or changed:
        _insert_versions(con, seen_at, run_id)
    return AppendResult(new=new, unchanged=unchanged, changed=changed)


def _insert_versions(con: duckdb.DuckDBPyConnection, seen_at: datetime, run_id: str | None) -> None:
    """Insert new and changed texts as versions (their derived columns stay NULL for now)."""
    # first_seen belongs to the article: a new version keeps it, valid_from is its own.
    con.execute(
        f"""
        INSERT INTO articles ({", ".join(_COPIED)}, version, run_id, valid_from,
                              valid_to, first_seen, last_seen)
        SELECT {", ".join("b." + name for name in _COPIED)}, coalesce(s.prev_version, 0) + 1,
               ?, ?, NULL, coalesce(s.prev_first_seen, ?), ?
        FROM _batch b JOIN _stage s ON s.ord = b.ord
        WHERE s.prev_version IS NULL OR s.prev_hash <> s.content_hash
        """,
        [run_id, seen_at, seen_at, seen_at],
    )
