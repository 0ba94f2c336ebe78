"""What every `newsdesk` command shares: consoles, the warehouse option, errors and output."""

from __future__ import annotations

import csv
import json
import sys
from enum import StrEnum
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from storage.warehouse import ENV_VAR

console = Console()
err_console = Console(stderr=True, soft_wrap=True)


class OutputFormat(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"


class State:
    """Options given before the command name (`newsdesk --warehouse PATH query ...`)."""

    warehouse: str | None = None


WarehouseOption = Annotated[
    str | None,
    typer.Option(
        "--warehouse",
        "-w",
        envvar=ENV_VAR,
        help="DuckDB warehouse file (default ./newsdesk.duckdb).",
        show_envvar=True,
    ),
]


def fail(message: str, code: int = 2) -> typer.Exit:
    """Print `message` as an error; raise the returned Exit to stop with `code`."""
    err_console.print(f"[bold red]error:[/] {escape(message)}")
    return typer.Exit(code)


def progress_bar() -> Progress:
    return Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
    )


def print_rows(columns: list[str], rows: list[tuple[Any, ...]], fmt: OutputFormat) -> None:
    if fmt is OutputFormat.csv:
        writer = csv.writer(sys.stdout)
        writer.writerow(columns)
        writer.writerows(rows)
    elif fmt is OutputFormat.json:
        records = [dict(zip(columns, row, strict=True)) for row in rows]
        sys.stdout.write(json.dumps(records, default=str) + "\n")
    else:
        console.print(rows_table(columns, rows))


def rows_table(columns: list[str], rows: list[tuple[Any, ...]], title: str | None = None) -> Table:
    """A rich table of query rows, NULL shown as empty."""
    table = Table(*columns, title=title)
    for row in rows:
        table.add_row(*("" if v is None else str(v) for v in row))
    return table
