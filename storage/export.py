"""Reading the current version of every article back out, in record-file order, as a stream."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import duckdb

from storage.warehouse import cursor

_CHUNK = 1000


@dataclass(frozen=True, slots=True)
class StoredRecord:
    seq: int
    id: str
    text: str
    layout: str


def iter_current_records(con: duckdb.DuckDBPyConnection) -> Iterator[StoredRecord]:
    """Current versions ordered by their record sequence number.

    Records that came from files keep their number; the others are numbered after the highest
    one, in the order they were first seen.
    """
    cur = cursor(con)
    cur.execute(
        """
        WITH cur AS (SELECT seq, id, text, layout, first_seen FROM articles WHERE valid_to IS NULL),
             top AS (SELECT coalesce(max(seq), -1) AS m FROM cur)
        SELECT coalesce(seq, (SELECT m FROM top)
                        + row_number() OVER (PARTITION BY seq IS NULL ORDER BY first_seen, id)),
               id, text, layout
        FROM cur
        ORDER BY 1, id
        """
    )
    try:
        while rows := cur.fetchmany(_CHUNK):
            for seq, id_, text, layout in rows:
                yield StoredRecord(int(seq), id_, text, layout)
    finally:
        cur.close()
