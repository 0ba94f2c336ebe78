"""Prefect flows for backfilling record folders into the warehouse and exporting it again."""

from __future__ import annotations

from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_table_artifact
from prefect.cache_policies import NO_CACHE

from ingest.backfill import DEFAULT_BATCH, BackfillReport, backfill_batch, iter_batches
from ingest.export import export_folder
from storage.derived import RefreshReport, refresh_warehouse
from storage.runs import finish_run, start_run
from storage.warehouse import Warehouse


@task(name="backfill-batch", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=[1, 5])
def backfill_batch_task(
    paths: list[Path], warehouse_path: str, run_id: str, repair: bool, verify: bool
) -> BackfillReport:
    return backfill_batch(
        paths, Warehouse(warehouse_path), run_id=run_id, repair=repair, verify=verify
    )


@task(name="refresh-derived", task_run_name="refresh-derived", cache_policy=NO_CACHE)
def refresh_task(warehouse_path: str) -> RefreshReport:
    """Duplicate marks and search postings for every article stored without them."""
    return refresh_warehouse(Warehouse(warehouse_path))


def _artifact_rows(report: BackfillReport) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = [
        {"item": name, "value": value, "detail": ""} for name, value in report.as_dict().items()
    ]
    rows += [
        {"item": "rejected file", "value": r.reason, "detail": f"{r.path}: {r.message}"}
        for r in report.rejected
    ]
    return rows


@flow(name="backfill")
def backfill(
    path: str,
    warehouse: str | None = None,
    batch_size: int = DEFAULT_BATCH,
    repair: bool = False,
    verify: bool = False,
) -> dict[str, object]:
    """Read a folder of record files into the warehouse; publishes a `backfill-summary` table."""
    logger = get_run_logger()
    wh = Warehouse(warehouse)
    with wh.connection() as con:
        run_id = start_run(con, "backfill", {"path": path, "repair": repair})
    total = BackfillReport()
    status = "failed"
    try:
        for number, paths in enumerate(iter_batches(Path(path), batch_size), start=1):
            part = backfill_batch_task(paths, str(wh.path), run_id, repair, verify)
            total.add(part)
            logger.info("batch %d: %s", number, part.as_dict())
        derived = refresh_task(str(wh.path))
        logger.info("derived %d articles (%d duplicates)", derived.indexed, derived.deduplicated)
        status = "completed"
    finally:
        with wh.connection() as con:
            finish_run(con, run_id, status=status, stats=total.as_dict())
    create_table_artifact(
        key="backfill-summary",
        table=_artifact_rows(total),
        description=f"Backfill of {path} into {wh.path}",
    )
    logger.info("backfill of %s done: %s", path, total.as_dict())
    return total.as_dict() | {"run_id": run_id}


@flow(name="export")
def export(directory: str, warehouse: str | None = None) -> int:
    """Write the warehouse's current articles as record files into `directory`."""
    written = export_folder(Warehouse(warehouse), Path(directory))
    get_run_logger().info("exported %d records to %s", written, directory)
    return written
