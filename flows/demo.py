"""`make run`: the offline main job on embedded defaults, then a short SQL summary."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.table import Table

from flows.backfill import backfill
from storage.query import SUMMARY_SQL, run_query
from storage.warehouse import Warehouse

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


def print_summary(warehouse: Warehouse, console: Console) -> None:
    with warehouse.connection() as con:
        for title, sql in SUMMARY_SQL:
            result = run_query(con, sql)
            table = Table(*result.columns, title=title)
            for row in result.rows:
                table.add_row(*("" if v is None else str(v) for v in row))
            console.print(table)


def main() -> None:
    console = Console()
    warehouse = Warehouse()
    console.print(f"[bold]newsdesk demo[/]: warehouse {warehouse.path.resolve()}")
    report = backfill(str(SEEDS), warehouse=str(warehouse.path))
    console.print(f"backfill of seeds/: {report}")
    print_summary(Warehouse(warehouse.path, read_only=True), console)


if __name__ == "__main__":
    main()
