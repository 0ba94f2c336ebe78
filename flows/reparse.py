"""The `reparse` flow: re-extract every stored fetch with the current extractor, no network,
so an improved parser reaches the whole warehouse; the parser version is on every article row.
"""

from __future__ import annotations

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_table_artifact
from prefect.cache_policies import NO_CACHE

from ingest.pipeline import Progress, ReparseReport, reparse_all
from storage.warehouse import Warehouse

SUMMARY_KEY = "reparse-summary"


def figures(report: ReparseReport) -> dict[str, object]:
    return {
        "parser_version": report.parser_version,
        "pages": report.pages,
        "new": report.new,
        "changed": report.changed,
        "unchanged": report.unchanged,
        "no_article": report.failed,
    }


def reparse_rows(report: ReparseReport) -> list[dict[str, object]]:
    """The artifact table: the figures, then a sample of pages that gave no article."""
    rows: list[dict[str, object]] = [
        {"item": name, "value": value, "detail": ""} for name, value in figures(report).items()
    ]
    rows += [
        {"item": "no article", "value": f.outcome, "detail": f"{f.url}: {f.error or ''}"}
        for f in report.failures
    ]
    return rows


# reparse_all reads the warehouse a batch at a time itself; one task holds the whole pass and
# logs each batch, since a task per batch would only re-open the same cursor position.
@task(name="reparse-all", cache_policy=NO_CACHE)
def reparse_task(warehouse: str | None, batch_size: int, workers: int) -> ReparseReport:
    logger = get_run_logger()
    done = [0]

    def log_batch(progress: Progress) -> None:
        done[0] += progress.fetched
        logger.info(
            "batch: %d pages re-parsed, %d stored, %d without an article (%d in all)",
            progress.fetched,
            progress.stored,
            progress.failed,
            done[0],
        )

    return reparse_all(
        Warehouse(warehouse), batch_size=batch_size, on_progress=log_batch, workers=workers
    )


@flow(name="reparse")
def reparse(
    warehouse: str | None = None, batch_size: int = 500, workers: int = 1
) -> dict[str, object]:
    """Re-extract every stored page without the network; publishes a `reparse-summary` table.

    `workers` extraction processes (0 extracts in the flow's own process).
    """
    report = reparse_task(warehouse, batch_size, workers)
    create_table_artifact(
        key=SUMMARY_KEY,
        table=reparse_rows(report),
        description=f"Re-parse of {Warehouse(warehouse).path} with {report.parser_version}",
    )
    get_run_logger().info(
        "reparse done: %d pages, %d new, %d changed, %d unchanged, %d without an article",
        report.pages,
        report.new,
        report.changed,
        report.unchanged,
        report.failed,
    )
    return figures(report)
