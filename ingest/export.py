"""Writing the warehouse's current articles back out as record files, one at a time."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ingest.records import RecordFile, write_record
from storage.export import iter_current_records
from storage.warehouse import Warehouse


def export_folder(
    warehouse: Warehouse,
    folder: Path,
    *,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Write every current article as `NNN_<id>.txt` into `folder`; returns how many."""
    folder.mkdir(parents=True, exist_ok=True)
    written = 0
    with warehouse.connection() as con:
        for stored in iter_current_records(con):
            record = RecordFile(
                seq=stored.seq, id=stored.id, text=stored.text, layout=stored.layout
            )
            write_record(folder, record)
            written += 1
            if progress and written % 1000 == 0:
                progress(1000)
    if progress:
        progress(written % 1000)
    return written
