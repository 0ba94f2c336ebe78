"""Derived data of article versions: duplicate marks and search postings, caught up after appends.

Appends only store versions; `refresh` derives every current version that lacks them, a chunk at a
time in its own short transaction, so a killed run's rows are caught up by the next refresh.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import duckdb

from storage._transaction import transaction
from storage.dedup import duplicates_of_staged
from storage.migrations import current_version
from storage.search import index_staged, stage_tokens, stage_unindexed
from storage.warehouse import Warehouse

DERIVED_SCHEMA = 4  # the migration that added duplicate marks and the search index
DEFAULT_CHUNK = 5_000  # versions per transaction: bounds memory and each turn on the file


@dataclass(frozen=True, slots=True)
class RefreshReport:
    indexed: int = 0  # versions given their simhash, duplicate marks and search postings
    deduplicated: int = 0  # of those, marked as a copy of an earlier article

    def __add__(self, other: RefreshReport) -> RefreshReport:
        return RefreshReport(self.indexed + other.indexed, self.deduplicated + other.deduplicated)


def refresh(con: duckdb.DuckDBPyConnection, *, chunk: int = DEFAULT_CHUNK) -> RefreshReport:
    """Derive every current version not derived yet, earliest seen first (idempotent)."""
    total = RefreshReport()
    while (part := refresh_chunk(con, chunk=chunk)).indexed:
        total += part
    return total


def refresh_warehouse(
    warehouse: Warehouse,
    *,
    chunk: int = DEFAULT_CHUNK,
    on_chunk: Callable[[RefreshReport, RefreshReport], None] | None = None,
) -> RefreshReport:
    """`refresh` with the file opened once per chunk, so that readers get a turn in between;
    `on_chunk(part, total)` is called after each chunk."""
    warehouse = warehouse.for_derived()
    total = RefreshReport()
    while True:
        with warehouse.connection() as con:
            part = refresh_chunk(con, chunk=chunk)
        if not part.indexed:
            return total
        total += part
        if on_chunk is not None:
            on_chunk(part, total)


def refresh_chunk(con: duckdb.DuckDBPyConnection, *, chunk: int = DEFAULT_CHUNK) -> RefreshReport:
    """Derive up to `chunk` versions in one transaction; an empty report when none are left."""
    if chunk < 1:
        raise ValueError(f"chunk must be at least 1, not {chunk}")
    if current_version(con) < DERIVED_SCHEMA:
        return RefreshReport()  # a file below the schema that has somewhere to put them
    try:
        with transaction(con):
            report = _derive_staged(con, chunk)
    finally:
        con.execute("DROP TABLE IF EXISTS temp._tokens")
        con.execute("DROP TABLE IF EXISTS temp._stage")
    return report


def _derive_staged(con: duckdb.DuckDBPyConnection, chunk: int) -> RefreshReport:
    staged = stage_unindexed(con, chunk)
    if not staged:
        return RefreshReport()
    stage_tokens(con)
    # The chunk is in (first_seen, id) order, so a copy inside it points at the earliest one.
    dups = duplicates_of_staged(con)
    con.register("_dups", dups)
    try:
        con.execute(
            """
            UPDATE articles SET simhash = d.simhash, duplicate_of = d.duplicate_of,
                   duplicate_kind = d.duplicate_kind, duplicate_distance = d.duplicate_distance
            FROM _dups d JOIN _stage s USING (ord)
            WHERE articles.rowid = s.row_id
            """
        )
    finally:
        con.unregister("_dups")
    index_staged(con)
    marked = dups.column("duplicate_of").null_count
    return RefreshReport(indexed=staged, deduplicated=staged - marked)
