"""`newsdesk search`, `export-parquet` and `compact`: the warehouse commands for its users.

Plain functions registered in flows/cli.py; readers open the file read-only and wait out a writer.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from flows._console import OutputFormat, State, console, fail, print_rows
from storage.derived import refresh
from storage.errors import WarehouseError
from storage.parquet import export_parquet as write_parquet
from storage.search import compact_index, rebuild_index
from storage.search import search as run_search
from storage.warehouse import Warehouse


def search(
    query: Annotated[str, typer.Argument(help="Words to look for in titles and texts.")],
    limit: Annotated[int, typer.Option(min=1, max=1000, help="Most hits to show.")] = 10,
    format: Annotated[OutputFormat, typer.Option("--format", "-f")] = OutputFormat.table,
) -> None:
    """Full-text search (BM25) over the current version of every article."""
    try:
        with Warehouse(State.warehouse, read_only=True).connection() as con:
            hits = run_search(con, query, limit=limit)
    except WarehouseError as exc:
        raise fail(str(exc)) from exc
    columns = ["id", "score", "title", "domain", "published_at", "url"]
    rows = [
        (h.id, round(h.score, 3), h.title, h.domain, h.published_at, h.url) for h in hits
    ]
    print_rows(columns, rows, format)


def export_parquet(
    directory: Annotated[Path, typer.Argument(help="Folder to write <table>/day=.../ into.")],
) -> None:
    """Export articles, fetches, runs and frontier as Parquet, partitioned by UTC day."""
    try:
        with Warehouse(State.warehouse, read_only=True).connection() as con:
            written = write_parquet(con, directory)
    except WarehouseError as exc:
        raise fail(str(exc)) from exc
    for table, rows in written.items():
        console.print(f"{table}: {rows:,} rows → {directory / table}")


def compact(
    reindex: Annotated[
        bool, typer.Option(help="Rebuild the search index from scratch (after a DuckDB upgrade).")
    ] = False,
) -> None:
    """Mark duplicates of and index articles that lack it (a killed run's, or rows stored before
    the index existed), and re-sort the index."""
    try:
        with Warehouse(State.warehouse).for_derived().connection() as con:
            rebuilt = rebuild_index(con) if reindex else 0
            added = refresh(con).indexed
            compact_index(con)
            con.execute("CHECKPOINT")
    except WarehouseError as exc:
        raise fail(str(exc)) from exc
    again = f"re-indexed {rebuilt:,} articles; " if reindex else ""
    console.print(f"{again}indexed {added:,} articles that were missing; search index compacted")
