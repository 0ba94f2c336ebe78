"""Parquet export of the warehouse tables for other tools, partitioned by UTC day.

Each table becomes `<dir>/<table>/day=YYYY-MM-DD/*.parquet` (Hive layout, zstd), replacing the
previous export of that table; it runs on a read-only connection.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import duckdb

from storage._sql import literal
from storage.errors import WarehouseError

# Table -> the timestamp whose UTC day partitions it.
PARTITIONS: dict[str, str] = {
    "articles": "coalesce(published_at, first_seen)",
    "fetches": "started_at",
    "runs": "started_at",
    "frontier": "discovered_at",
}


class ExportError(WarehouseError):
    """The export could not be written (the message names the folder and the reason)."""


def export_parquet(con: duckdb.DuckDBPyConnection, directory: Path) -> dict[str, int]:
    """Write every table in PARTITIONS; the number of rows written per table."""
    if directory.exists() and not directory.is_dir():
        raise ExportError(f"{directory}: exists and is not a folder")
    written: dict[str, int] = {}
    for table, stamp in PARTITIONS.items():
        target = directory / table
        fresh: Path | None = None
        try:
            directory.mkdir(parents=True, exist_ok=True)
            # Written beside the old export, then swapped in: no stale or half-written days.
            fresh = Path(tempfile.mkdtemp(prefix=f".{table}-", dir=directory))
            row = con.execute(
                f"""
                COPY (SELECT *, ({stamp} AT TIME ZONE 'UTC')::DATE AS day FROM {table})
                TO {literal(str(fresh))}
                (FORMAT parquet, COMPRESSION zstd, PARTITION_BY (day), OVERWRITE_OR_IGNORE)
                """
            ).fetchone()
            _swap(fresh, target)
        except (OSError, duckdb.Error) as exc:
            if fresh is not None:
                shutil.rmtree(fresh, ignore_errors=True)
            raise ExportError(f"{target}: cannot write the {table} export: {exc}") from exc
        written[table] = int(row[0]) if row else 0
    return written


def _swap(fresh: Path, target: Path) -> None:
    old = target.with_name(f".{target.name}-old")
    shutil.rmtree(old, ignore_errors=True)
    if target.exists():
        target.rename(old)
    fresh.rename(target)
    shutil.rmtree(old, ignore_errors=True)
