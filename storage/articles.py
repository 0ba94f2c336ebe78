"""Appending articles: one Arrow batch per call, classified as new, unchanged or changed.

A changed text becomes a new version row and closes the previous one; an unchanged text only
moves its last-seen time; nothing is ever overwritten. Duplicate marks and search postings are
derived later, at the end of each run (storage/derived.py), so that an append stays cheap.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from operator import attrgetter
from typing import Literal

import duckdb
import pyarrow as pa

from ingest.article import Article, text_key
from storage._transaction import transaction
from storage.current import ID_KEY_SQL

_TS = pa.timestamp("us", tz="UTC")
_STAGE_SCHEMA = pa.schema(
    [
        ("version", pa.int32()),
        ("first_seen", _TS),
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
_COPIED = [f.name for f in _STAGE_SCHEMA if f.name not in ("version", "first_seen")]
_LIST_TYPES = (pa.list_(pa.string()),)


Outcome = Literal["new", "unchanged", "changed"]


@dataclass(frozen=True, slots=True)
class AppendResult:
    new: int = 0
    unchanged: int = 0
    changed: int = 0
    # Each article id's outcome, when the append was asked for them (`by_id=True`).
    outcomes: dict[str, Outcome] = field(default_factory=dict, compare=False, repr=False)

    def __add__(self, other: AppendResult) -> AppendResult:
        return AppendResult(
            self.new + other.new,
            self.unchanged + other.unchanged,
            self.changed + other.changed,
            self.outcomes | other.outcomes,
        )


_KEYS_SCHEMA = pa.schema([("ord", pa.int64()), ("id", pa.string()), ("text_key", pa.uint64())])


def keys_to_arrow(articles: Sequence[Article]) -> pa.Table:
    """Position, id and text key of each article; the last occurrence of an id in a batch wins."""
    last = {art.id: i for i, art in enumerate(articles)}
    if len(last) == len(articles):
        ords, kept = range(len(articles)), articles
    else:
        ords = sorted(last.values())
        kept = [articles[i] for i in ords]
    return pa.table(
        [
            pa.array(ords, pa.int64()),
            [art.id for art in kept],
            pa.array([text_key(art.text) for art in kept], pa.uint64()),
        ],
        schema=_KEYS_SCHEMA,
    )


def articles_to_arrow(articles: Sequence[Article], stage: pa.Table) -> pa.Table:
    """Column-wise Arrow table of a batch (the only way rows reach DuckDB).

    `stage` gives each article's `version` and `first_seen`, row for row. The SHA-256 of the
    texts is computed here, for the texts that are stored only.
    """
    # One C-level map per column (cheaper than a tuple per article and a transpose).
    fields = [name for name in _COPIED if name != "content_hash"]
    columns = {name: list(map(attrgetter(name), articles)) for name in fields}
    arrays: dict[str, object] = {}
    for name in fields:
        values = columns[name]
        if _STAGE_SCHEMA.field(name).type in _LIST_TYPES:
            values = [list(v) if v else None for v in values]
        arrays[name] = pa.array(values, _STAGE_SCHEMA.field(name).type)
    arrays["content_hash"] = pa.array(_sha256_hex(arrays["text"]), pa.string())
    arrays["version"] = stage.column("version").cast(pa.int32())
    arrays["first_seen"] = stage.column("first_seen").cast(_TS)
    return pa.table({f.name: arrays[f.name] for f in _STAGE_SCHEMA}, schema=_STAGE_SCHEMA)


def _sha256_hex(texts: pa.Array | pa.ChunkedArray) -> list[str]:
    """`content_hash` of each text, hashed straight from the Arrow array's UTF-8 buffer (the
    same bytes as `text.encode()`, without a second copy of every text)."""
    chunks = texts.chunks if isinstance(texts, pa.ChunkedArray) else [texts]
    out: list[str] = []
    sha256 = hashlib.sha256
    for chunk in chunks:
        if chunk.null_count:
            raise ValueError("an article without text cannot be stored")
        offsets_buf, data_buf = chunk.buffers()[1:3]
        start = chunk.offset
        offsets = memoryview(offsets_buf).cast("i")[start : start + len(chunk) + 1].tolist()
        data = memoryview(data_buf) if data_buf is not None else memoryview(b"")
        out.extend(
            sha256(data[a:b]).hexdigest() for a, b in zip(offsets, offsets[1:], strict=False)
        )
    return out


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
    by_id: bool = False,
) -> AppendResult:
    """`append_articles` inside a transaction the caller opened (and commits or rolls back).

    `by_id`: also return each id's outcome (`AppendResult.outcomes`), e.g. to count them per
    site; the counts alone cost nothing extra.
    """
    if not articles:
        return AppendResult()
    con.register("_keys", keys_to_arrow(articles))
    try:
        result = _classify_staged(con, seen_at, by_id=by_id)
        if result.new or result.changed:
            _insert_versions(con, articles, seen_at, run_id)
        return result
    finally:
        con.execute("DROP TABLE IF EXISTS temp._stage")
        con.unregister("_keys")


_CURRENT_OF_STAGED = (
    "articles.id = s.id AND articles.valid_from = s.prev_valid_from "
    "AND articles.version = s.prev_version AND articles.valid_to IS NULL"
)


def _classify_staged(
    con: duckdb.DuckDBPyConnection, seen_at: datetime, *, by_id: bool = False
) -> AppendResult:
    """Stage ids and text keys against `article_current`; close changed versions, touch the
    unchanged ones (see storage/current.py)."""
    # Only ids and text keys: the other columns are converted to Arrow for new and changed
    # texts alone, which is most of what makes a re-append cheap. `_keys` holds one row per id
    # (its last occurrence), compared with the article's current version.
    # `version` and `first_seen` are those of a version stored from this row: first_seen
    # belongs to the article (a new version keeps it), valid_from is the version's own.
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _stage AS
        SELECT *, CASE WHEN prev_version IS NULL THEN 'new' WHEN stored THEN 'unchanged'
                       ELSE 'changed' END AS outcome
        FROM (
            SELECT b.ord, b.id, b.id_key, b.text_key, c.version AS prev_version,
                   c.valid_from AS prev_valid_from,
                   coalesce(c.text_key = b.text_key, false) AS stored,
                   coalesce(c.version, 0) + 1 AS version,
                   coalesce(c.first_seen, $seen) AS first_seen
            FROM (SELECT ord, id, text_key, {ID_KEY_SQL.format("id")} AS id_key FROM _keys) b
            LEFT JOIN article_current c ON c.id_key = b.id_key)
        """,
        {"seen": seen_at},
    )
    new, unchanged, changed = con.execute(
        "SELECT count(*) FILTER (outcome = 'new'), count(*) FILTER (outcome = 'unchanged'), "
        "count(*) FILTER (outcome = 'changed') FROM _stage"
    ).fetchone()
    # Joining on valid_from as well lets DuckDB skip the row groups outside the batch's range
    # of versions (it pushes the range of the join keys into the scan of `articles`).
    if unchanged:
        con.execute(
            f"""
            UPDATE articles SET last_seen = greatest(articles.last_seen, ?)
            FROM _stage s WHERE {_CURRENT_OF_STAGED} AND s.stored
            """,
            [seen_at],
        )
    if changed:
        con.execute(
            f"""
            UPDATE articles SET valid_to = ?
            FROM _stage s WHERE {_CURRENT_OF_STAGED} AND NOT s.stored
            """,
            [seen_at],
        )
    outcomes: dict[str, Outcome] = {}
    if by_id:
        outcomes = dict(con.execute("SELECT id, outcome FROM _stage").fetchall())
    return AppendResult(new=new, unchanged=unchanged, changed=changed, outcomes=outcomes)


def _insert_versions(
    con: duckdb.DuckDBPyConnection,
    articles: Sequence[Article],
    seen_at: datetime,
    run_id: str | None,
) -> None:
    """Insert new and changed texts as versions (their derived columns stay NULL for now)."""
    # Each version's number and first-seen time ride in the Arrow batch, so the INSERT reads
    # the batch alone: joining it with `_stage` cost a hash join over every wide row.
    stage = con.execute(
        "SELECT ord, version, first_seen FROM _stage WHERE NOT stored ORDER BY ord"
    ).to_arrow_table()
    ords = stage.column("ord").to_pylist()
    picked = articles if len(ords) == len(articles) else [articles[i] for i in ords]
    con.register("_batch", articles_to_arrow(picked, stage))
    try:
        _insert_batch(con, seen_at, run_id)
    finally:
        con.unregister("_batch")
    _point_current(con, seen_at)


def _insert_batch(con: duckdb.DuckDBPyConnection, seen_at: datetime, run_id: str | None) -> None:
    con.execute(
        f"""
        INSERT INTO articles ({", ".join(_COPIED)}, version, run_id, valid_from,
                              valid_to, first_seen, last_seen)
        SELECT {", ".join(_COPIED)}, version, ?, ?, NULL, first_seen, ?
        FROM _batch
        """,
        [run_id, seen_at, seen_at],
    )


def _point_current(con: duckdb.DuckDBPyConnection, seen_at: datetime) -> None:
    """Point `article_current` at the versions just inserted (all it needs is in `_stage`)."""
    con.execute(
        "DELETE FROM article_current WHERE id_key IN "
        "(SELECT id_key FROM _stage WHERE prev_version IS NOT NULL AND NOT stored)"
    )
    con.execute(
        """
        INSERT INTO article_current
        SELECT id_key, text_key, version, first_seen, $seen FROM _stage WHERE NOT stored
        """,
        {"seen": seen_at},
    )
