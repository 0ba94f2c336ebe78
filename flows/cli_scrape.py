"""`newsdesk scrape` and `newsdesk reparse`: the pipeline run in this process, without Prefect,
with a live count of URLs discovered, fetched, stored and failed.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError
from rich.live import Live
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from flows._console import State, console, err_console, fail
from flows.scrape_params import FollowLinks, LimitParams, SourceParams, to_settings, to_sources
from flows.scrape_report import summary_rows
from ingest.pipeline import Progress, ReparseReport, ScrapeReport, reparse_all, run_scrape
from ingest.pipeline.settings import DEFAULT_BATCH_SIZE
from storage.errors import WarehouseError
from storage.warehouse import Warehouse

# Exit codes of `newsdesk scrape`.
EXIT_OK = 0  # every URL fetched was stored (or unchanged), every discovery document was read
EXIT_SOME_FAILED = 1  # the run finished, but some URLs or feeds/sitemaps failed (listed)
EXIT_ERROR = 2  # bad options, or the run could not go on (warehouse, pipeline error)

Many = list[str] | None  # a repeatable option


@dataclass(slots=True)
class LiveCounts:
    """The counters the live display shows; `add` takes the pipeline's progress increments."""

    discovered: int = 0
    fetched: int = 0
    stored: int = 0
    failed: int = 0

    def add(self, step: Progress) -> None:
        self.discovered += step.discovered
        self.fetched += step.fetched
        self.stored += step.stored
        self.failed += step.failed

    def __rich__(self) -> Text:
        return Text.assemble(
            ("discovered ", "dim"), f"{self.discovered:,}  ",
            ("fetched ", "dim"), f"{self.fetched:,}  ",
            ("stored ", "dim"), (f"{self.stored:,}", "green"), "  ",
            ("failed ", "dim"), (f"{self.failed:,}", "red" if self.failed else ""),
        )  # fmt: skip


_COLUMNS = ("domain", "urls", "new", "changed", "unchanged", "bytes", "p50_ms", "p95_ms")


def _domain_table(title: str, rows: list[dict[str, object]]) -> Table:
    """Per domain, narrow enough for a terminal; outcome classes get a table of their own."""
    table = Table(*_COLUMNS, title=title)
    for row in rows:
        table.add_row(*("" if row[c] is None else f"{row[c]:,}" if isinstance(row[c], int)
                        else str(row[c]) for c in _COLUMNS))  # fmt: skip
    return table


def _outcome_table(total: dict[str, object]) -> Table:
    table = Table("outcome", "urls", title="URLs by outcome")
    for column, count in total.items():
        if column.startswith("outcome:"):
            table.add_row(column.removeprefix("outcome:"), f"{count:,}")
    return table


def _print_report(report: ScrapeReport) -> None:
    rows = summary_rows(report.pages)
    console.print(_domain_table(f"scrape {report.run_id} (stopped: {report.stopped})", rows))
    console.print(_outcome_table(rows[-1]))
    for error in report.discovery.errors:
        err_console.print(f"[yellow]discovery[/] {escape(error)}")
    for failure in report.pages.failures:
        err_console.print(f"[yellow]{failure.outcome}[/] {escape(failure.error or failure.url)}")
    listed = len(report.pages.failures)
    if report.pages.failed > listed:
        err_console.print(f"… and {report.pages.failed - listed} more failed URLs")


def scrape(
    urls: Annotated[
        Many, typer.Argument(metavar="URL", help="Article URLs to fetch.", show_default=False)
    ] = None,
    feed: Annotated[
        Many, typer.Option("--feed", metavar="URL", help="RSS or Atom feed URL.")
    ] = None,
    sitemap: Annotated[
        Many, typer.Option("--sitemap", metavar="URL", help="Sitemap or index URL.")
    ] = None,
    urls_file: Annotated[
        list[Path] | None,
        typer.Option(
            "--urls-file",
            metavar="FILE",
            exists=True,
            dir_okay=False,
            help="File of URLs, one a line.",
        ),
    ] = None,
    robots_sitemaps: Annotated[
        Many, typer.Option("--robots-sitemaps", metavar="SITE", help="Crawl SITE's sitemaps.")
    ] = None,
    follow_links: Annotated[
        bool, typer.Option(help="Follow same-site links (implied by the next three).")
    ] = False,
    max_depth: Annotated[
        int | None, typer.Option(min=0, help="Link hops from a source (default 1).")
    ] = None,
    include: Annotated[
        Many, typer.Option(metavar="REGEX", help="Only follow links matching this regex.")
    ] = None,
    exclude: Annotated[
        Many, typer.Option(metavar="REGEX", help="Never follow links matching this regex.")
    ] = None,
    concurrency: Annotated[int, typer.Option(min=1, help="Requests in flight.")] = 64,
    per_host: Annotated[int, typer.Option(min=1, help="Requests in flight per host.")] = 4,
    batch_size: Annotated[int, typer.Option(min=1, help="URLs per batch.")] = DEFAULT_BATCH_SIZE,
    max_pages: Annotated[int | None, typer.Option(min=1, help="Pages to fetch at most.")] = None,
    time_budget: Annotated[
        float | None, typer.Option(min=0.001, help="Seconds; no batch starts after.")
    ] = None,
    allow_private_addresses: Annotated[
        bool, typer.Option(help="Allow private and loopback addresses (local test sites).")
    ] = False,
    ignore_robots_for: Annotated[
        Many, typer.Option(metavar="HOST", help="Do not apply robots.txt to HOST.")
    ] = None,
    forbid_network: Annotated[
        Many, typer.Option(metavar="CIDR", help="Never contact this network.")
    ] = None,
) -> None:
    """Discover and fetch articles into the warehouse; with no sources, resume pending work.

    Exit code 0: all went well; 1: the run finished but some URLs or feeds failed;
    2: bad options or the run could not go on.
    """
    try:
        sources = SourceParams(
            urls=urls or [],
            urls_files=[str(p) for p in urls_file or ()],
            feeds=feed or [],
            sitemaps=sitemap or [],
            robots_sitemaps=robots_sitemaps or [],
            follow_links=FollowLinks(
                max_depth=1 if max_depth is None else max_depth,
                include=include or [],
                exclude=exclude or [],
            )
            if follow_links or max_depth is not None or include or exclude
            else None,
        )
        limits = LimitParams(
            concurrency=concurrency,
            per_host=per_host,
            batch_size=batch_size,
            max_pages=max_pages,
            time_budget_s=time_budget,
        )
        settings = to_settings(
            limits,
            allow_private_addresses=allow_private_addresses,
            ignore_robots_for=ignore_robots_for or (),
            forbidden_networks=forbid_network or (),
        )
        plan = to_sources(sources)
    except (ValidationError, ValueError) as exc:
        raise fail(str(exc), EXIT_ERROR) from exc
    counts = LiveCounts()
    try:
        with Live(counts, console=err_console, refresh_per_second=4, transient=True):
            report = asyncio.run(
                run_scrape(plan, settings, Warehouse(State.warehouse), on_progress=counts.add)
            )
    except WarehouseError as exc:
        raise fail(str(exc), EXIT_ERROR) from exc
    _print_report(report)
    if not report.ok:
        raise typer.Exit(EXIT_SOME_FAILED)


def _print_reparse(report: ReparseReport) -> None:
    table = Table("pages", "new", "changed", "unchanged", "no article",
                  title=f"reparse with {report.parser_version}")  # fmt: skip
    table.add_row(*(f"{n:,}" for n in (report.pages, report.new, report.changed,
                                        report.unchanged, report.failed)))  # fmt: skip
    console.print(table)


def reparse(
    batch_size: Annotated[int, typer.Option(min=1, help="Stored pages per batch.")] = 500,
    workers: Annotated[int, typer.Option(min=0, help="Extraction processes (0: inline).")] = 1,
) -> None:
    """Re-extract every stored page with the current extractor (no network).

    Pages that give no article (index pages, empty bodies) are counted, not errors: exit code 0,
    or 2 when the warehouse cannot be used.
    """
    warehouse = Warehouse(State.warehouse)
    if not warehouse.path.exists():
        raise fail(f"{warehouse.path}: no warehouse file here yet, nothing to re-parse", EXIT_ERROR)
    counts = LiveCounts()
    try:
        with Live(counts, console=err_console, refresh_per_second=4, transient=True):
            report = reparse_all(
                warehouse,
                batch_size=batch_size,
                workers=workers,
                on_progress=counts.add,
            )
    except WarehouseError as exc:
        raise fail(str(exc), EXIT_ERROR) from exc
    _print_reparse(report)
