"""Appending articles: one Arrow batch per call, classified as new, unchanged or changed.

A changed text becomes a new version row and closes the previous one; an unchanged text only
moves its last-seen time; nothing is ever overwritten. Duplicate marks and search postings are
derived later, at the end of each run (storage/derived.py), so that an append stays cheap.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from operator import attrgetter

import duckdb
import pyarrow as pa

from ingest.article import Article, content_hash
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


_KEYS_SCHEMA = pa.schema([("ord", pa.int64()), ("id", pa.string()), ("content_hash", pa.string())])


def keys_to_arrow(articles: Sequence[Article]) -> pa.Table:
    """Position, id and text hash of each article: all the classification needs."""
    hashes = [content_hash(art.text) for art in articles]
    ids = [art.id for art in articles]
    return pa.table([pa.array(range(len(articles)), pa.int64()), ids, hashes], schema=_KEYS_SCHEMA)


def articles_to_arrow(articles: Sequence[Article], keys: pa.Table | None = None) -> pa.Table:
    """Column-wise Arrow table of a batch (the only way rows reach DuckDB).

    `keys` (from `keys_to_arrow`, one row per article) supplies `ord` and `content_hash`.
    """
    if keys is None:
        keys = keys_to_arrow(articles)
    # One C-level attrgetter call per article and one transpose, instead of a getattr per cell.
    fields = [name for name in _COPIED if name not in _KEYS_SCHEMA.names]
    columns = dict(zip(fields, zip(*map(attrgetter(*fields), articles), strict=True), strict=True))
    arrays: dict[str, object] = {name: keys.column(name) for name in _KEYS_SCHEMA.names}
    for name in fields:
        values = columns[name]
        if _STAGE_SCHEMA.field(name).type in _LIST_TYPES:
            values = [list(v) if v else None for v in values]
        arrays[name] = pa.array(values, _STAGE_SCHEMA.field(name).type)
    return pa.table({f.name: arrays[f.name] for f in _STAGE_SCHEMA}, schema=_STAGE_SCHEMA)


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
    keys = keys_to_arrow(articles)
    con.register("_keys", keys)
    try:
        result = _classify_staged(con, seen_at)
        if result.new or result.changed:
            _insert_versions(con, articles, keys, seen_at, run_id)
        return result
    finally:
        con.execute("DROP TABLE IF EXISTS temp._stage")
        con.unregister("_keys")


def _classify_staged(con: duckdb.DuckDBPyConnection, seen_at: datetime) -> AppendResult:
    """Stage ids and hashes against the current versions; close changed ones, touch unchanged."""
    # Only ids and hashes: the other columns are converted to Arrow for new and changed texts
    # alone, which is most of what makes a re-append cheap. The last occurrence of an id in a
    # batch wins; it is compared with the article's current version.
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE _stage AS
        SELECT b.ord, b.id, b.content_hash, cur.version AS prev_version,
               cur.content_hash AS prev_hash, cur.first_seen AS prev_first_seen
        FROM (SELECT ord, id, content_hash FROM _keys
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
    return AppendResult(new=new, unchanged=unchanged, changed=changed)


def _insert_versions(
    con: duckdb.DuckDBPyConnection,
    articles: Sequence[Article],
    keys: pa.Table,
    seen_at: datetime,
    run_id: str | None,
) -> None:
    """Insert new and changed texts as versions (their derived columns stay NULL for now)."""
    rows = con.execute(
        "SELECT ord FROM _stage WHERE prev_version IS NULL OR prev_hash <> content_hash "
        "ORDER BY ord"
    ).fetchnumpy()["ord"]
    if len(rows) == len(articles):
        batch = articles_to_arrow(articles, keys)
    else:
        batch = articles_to_arrow([articles[i] for i in rows.tolist()], keys.take(rows))
    con.register("_batch", batch)
    try:
        _insert_batch(con, seen_at, run_id)
    finally:
        con.unregister("_batch")


def _insert_batch(con: duckdb.DuckDBPyConnection, seen_at: datetime, run_id: str | None) -> None:
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
