"""`article_current`: one narrow row of numbers per article, describing its current version.

An append classifies its batch against this table instead of against the ids and hashes of every
current version in `articles`: joining 20,000 keys with 1,000,000 rows of fixed-width numbers
costs a fraction of scanning 1,000,000 id and hash strings. `valid_from` lets the append's
updates of `articles` (last seen, closing a version) join on it too, so that DuckDB prunes the
row groups outside the batch's range of versions (rows are appended in time order).

A migration that rewrites `articles` keeps this table right as long as the current versions
keep their id, version and times; `rebuild_current` fills it again from `articles`.
"""

from __future__ import annotations

import duckdb
import pyarrow as pa

from ingest.article import text_key

# md5_number: a 128-bit key, so that two ids share one with probability 2**-128 per pair.
ID_KEY_SQL = "md5_number({})"
_FILL_CHUNK = 20_000  # texts read and keyed at a time (the ids are kept until the end)


def rebuild_current(con: duckdb.DuckDBPyConnection) -> int:
    """Fill `article_current` from the current versions in `articles`; returns the rows."""
    reader = con.execute(
        "SELECT id, text, version, first_seen, valid_from FROM articles WHERE valid_to IS NULL"
    ).to_arrow_reader(_FILL_CHUNK)
    parts = [
        pa.table(
            {
                "id": batch.column("id"),
                "text_key": pa.array(
                    [text_key(t) for t in batch.column("text").to_pylist()], pa.uint64()
                ),
                "version": batch.column("version"),
                "first_seen": batch.column("first_seen"),
                "valid_from": batch.column("valid_from"),
            }
        )
        for batch in reader
    ]
    con.execute("DELETE FROM article_current")
    if not parts:
        return 0
    con.register("_rebuilt", pa.concat_tables(parts))
    try:
        con.execute(
            f"""
            INSERT INTO article_current
            SELECT {ID_KEY_SQL.format("id")}, text_key, version, first_seen, valid_from
            FROM _rebuilt
            """
        )
    finally:
        con.unregister("_rebuilt")
    return sum(part.num_rows for part in parts)


def mismatched_rows(con: duckdb.DuckDBPyConnection) -> int:
    """Current versions whose `article_current` row is missing or differs, plus rows of
    `article_current` without a current version (0 when the table is right; texts unchecked)."""
    row = con.execute(
        f"""
        SELECT count(*) FROM article_current c
        FULL JOIN (SELECT {ID_KEY_SQL.format("id")} AS id_key, version, first_seen, valid_from
                   FROM articles WHERE valid_to IS NULL) a USING (id_key)
        WHERE a.version IS DISTINCT FROM c.version OR a.first_seen IS DISTINCT FROM c.first_seen
           OR a.valid_from IS DISTINCT FROM c.valid_from
        """
    ).fetchone()
    return int(row[0]) if row else 0
