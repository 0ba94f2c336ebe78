"""Raw page bodies in Parquet files beside the warehouse, one file per batch of fetches.

Bodies live outside the DuckDB file because every close of the file checkpoints it, and a
checkpoint rewrites the last row group of each table that got rows: with bodies in `fetches`
that cost grew with every batch (docs/scrape.md). A file is written completely (temporary name,
fsync, rename) before the `fetches` rows that name it are inserted, so a crash leaves at most a
file no row names, never a row naming a missing file. Files are zstd-compressed, partitioned by
fetch date, and readable with DuckDB's `read_parquet(..., hive_partitioning = true)`.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Sequence
from datetime import date
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from storage.errors import WarehouseError

_SCHEMA = pa.schema([("fetch_id", pa.string()), ("url", pa.string()), ("body", pa.binary())])
_ZSTD_LEVEL = 3  # zstd's default: fast enough to run on every batch write


def bodies_dir(warehouse_path: Path) -> Path:
    """Where a warehouse's body files go: `<warehouse file name>.bodies/` beside it."""
    return warehouse_path.with_name(warehouse_path.name + ".bodies")


def write_bodies(root: Path, day: date, bodies: Sequence[tuple[str, str, bytes]]) -> str:
    """Write (fetch_id, url, body) rows to a new file; returns its path relative to `root`."""
    relative = f"fetch_date={day.isoformat()}/{uuid.uuid4().hex}.parquet"
    target = root / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    table = pa.table(
        {
            "fetch_id": [b[0] for b in bodies],
            "url": [b[1] for b in bodies],
            "body": [b[2] for b in bodies],
        },
        schema=_SCHEMA,
    )
    partial = target.with_name(f".{target.name}.partial")
    try:
        with open(partial, "wb") as sink:
            pq.write_table(table, sink, compression="zstd", compression_level=_ZSTD_LEVEL)
            sink.flush()
            os.fsync(sink.fileno())  # the rows naming it are durable once committed: so is it
        os.replace(partial, target)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return relative


def remove_bodies(root: Path, relative: str) -> None:
    """Delete a file whose rows were never committed (best effort: an orphan is harmless)."""
    try:
        (root / relative).unlink(missing_ok=True)
    except OSError:
        pass


def read_bodies(root: Path, relative: str, fetch_ids: Sequence[str]) -> dict[str, bytes]:
    """The bodies of these fetches from one file; a missing or unreadable file is an error."""
    path = root / relative
    try:
        table = pq.read_table(
            path, columns=["fetch_id", "body"], filters=[("fetch_id", "in", list(fetch_ids))]
        )
    except (OSError, pa.ArrowException) as exc:
        raise WarehouseError(f"{path}: cannot read stored page bodies: {exc}") from exc
    ids = table.column("fetch_id").to_pylist()
    bodies = table.column("body").to_pylist()
    return dict(zip(ids, bodies, strict=True))
