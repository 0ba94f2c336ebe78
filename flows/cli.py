"""The `newsdesk` command line: backfill, export, query and stats over the warehouse.

Commands of other stages live in their own `flows/cli_*.py` modules and are registered below.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from flows import cli_scrape, cli_warehouse
from flows._console import (
    OutputFormat,
    State,
    WarehouseOption,
    console,
    err_console,
    fail,
    print_rows,
    progress_bar,
)
from ingest.backfill import DEFAULT_BATCH, backfill_folder
from ingest.export import export_folder
from storage.errors import WarehouseError
from storage.query import run_query, warehouse_stats
from storage.runs import finish_run, start_run
from storage.warehouse import Warehouse

app = typer.Typer(
    help="newsdesk: news ingestion into a DuckDB warehouse.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def main(warehouse: WarehouseOption = None) -> None:
    """Scrape, backfill and query news articles."""
    State.warehouse = warehouse


@app.command()
def backfill(
    path: Annotated[Path, typer.Argument(help="Folder of NNN_<id>.txt record files.")],
    batch_size: Annotated[int, typer.Option(min=1, help="Files per transaction.")] = DEFAULT_BATCH,
    repair: Annotated[
        bool, typer.Option(help="Normalise fixable format deviations instead of rejecting.")
    ] = False,
    verify: Annotated[
        bool, typer.Option(help="Read every file, even those unchanged since the last backfill.")
    ] = False,
) -> None:
    """Read a folder of record files into the warehouse (idempotent)."""
    if not path.is_dir():
        raise fail(f"{path}: not a folder")
    wh = Warehouse(State.warehouse)
    total_files = sum(1 for entry in path.iterdir() if entry.is_file())
    try:
        with wh.connection() as con:
            run_id = start_run(con, "backfill", {"path": str(path), "repair": repair})
        with progress_bar() as progress:
            bar = progress.add_task("backfill", total=total_files)
            report = backfill_folder(
                path,
                wh,
                run_id=run_id,
                batch_size=batch_size,
                repair=repair,
                verify=verify,
                progress=lambda n: progress.advance(bar, n),
            )
        with wh.connection() as con:
            finish_run(con, run_id, status="completed", stats=report.as_dict())
    except WarehouseError as exc:
        raise fail(str(exc)) from exc
    table = Table(title=f"backfill {path} → {wh.path}")
    for column in report.as_dict():
        table.add_column(column, justify="right")
    table.add_row(*(str(v) for v in report.as_dict().values()))
    console.print(table)
    for rejection in report.rejected:
        err_console.print(f"[yellow]rejected[/] {rejection.message}")
    if report.rejected_count > len(report.rejected):
        err_console.print(f"… and {report.rejected_count - len(report.rejected)} more rejected")
    if report.rejected_count:
        raise typer.Exit(1)


@app.command()
def export(
    directory: Annotated[Path, typer.Argument(help="Folder to write record files into.")],
) -> None:
    """Write the current version of every article as NNN_<id>.txt record files."""
    wh = Warehouse(State.warehouse, read_only=True)
    try:
        with progress_bar() as progress:
            bar = progress.add_task("export", total=None)
            written = export_folder(wh, directory, progress=lambda n: progress.advance(bar, n))
    except WarehouseError as exc:
        raise fail(str(exc)) from exc
    console.print(f"exported {written} records to {directory}")


@app.command()
def query(
    sql: Annotated[str, typer.Argument(help="SQL to run (read-only).")],
    format: Annotated[OutputFormat, typer.Option("--format", "-f")] = OutputFormat.table,
    limit: Annotated[int | None, typer.Option(help="Print at most this many rows.")] = None,
) -> None:
    """Run SQL against the warehouse, read-only."""
    try:
        with Warehouse(State.warehouse, read_only=True).connection() as con:
            result = run_query(con, sql, limit=limit)
    except WarehouseError as exc:
        raise fail(str(exc)) from exc
    print_rows(result.columns, result.rows, format)


@app.command()
def stats() -> None:
    """Counts of what the warehouse holds."""
    try:
        with Warehouse(State.warehouse, read_only=True).connection() as con:
            figures = warehouse_stats(con)
    except WarehouseError as exc:
        raise fail(str(exc)) from exc
    table = Table("what", "count", title="warehouse")
    for name, value in figures.items():
        table.add_row(name, f"{value:,}")
    console.print(table)


# Commands of the other stages (each module defines plain functions; registered here):
# app.command("scrape")(cli_scrape.scrape) ...
app.command("scrape")(cli_scrape.scrape)
app.command("reparse")(cli_scrape.reparse)
app.command("search")(cli_warehouse.search)
app.command("export-parquet")(cli_warehouse.export_parquet)
app.command("compact")(cli_warehouse.compact)

if __name__ == "__main__":
    app()
