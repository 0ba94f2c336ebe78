"""Backfilling folders of record files into the warehouse, batch by batch.

The folder is streamed: only one batch of files is in memory at a time, a rejected file is
reported with its reason and never stops the batch, and each batch is one short transaction.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from ingest.article import Article
from ingest.records import RecordFile, RecordFormatError, read_record
from storage.articles import AppendResult, append_articles
from storage.warehouse import Warehouse

DEFAULT_BATCH = 5000
# Rejections past this many are counted but not listed, so a folder of junk stays bounded.
MAX_LISTED_REJECTIONS = 1000


@dataclass(frozen=True, slots=True)
class Rejection:
    path: str
    reason: str
    message: str


@dataclass(slots=True)
class BackfillReport:
    files_seen: int = 0
    new: int = 0
    unchanged: int = 0
    changed: int = 0
    rejected_count: int = 0
    rejected: list[Rejection] = field(default_factory=list)

    def add(self, other: BackfillReport) -> None:
        self.files_seen += other.files_seen
        self.new += other.new
        self.unchanged += other.unchanged
        self.changed += other.changed
        self.rejected_count += other.rejected_count
        room = MAX_LISTED_REJECTIONS - len(self.rejected)
        self.rejected.extend(other.rejected[: max(room, 0)])

    def add_appended(self, result: AppendResult) -> None:
        self.new += result.new
        self.unchanged += result.unchanged
        self.changed += result.changed

    def as_dict(self) -> dict[str, object]:
        return {
            "files_seen": self.files_seen,
            "new": self.new,
            "unchanged": self.unchanged,
            "changed": self.changed,
            "rejected": self.rejected_count,
        }


def iter_batches(folder: Path, size: int = DEFAULT_BATCH) -> Iterator[list[Path]]:
    """The folder's files in name order, `size` paths at a time (names only, no contents)."""
    if not folder.is_dir():
        raise NotADirectoryError(f"{folder}: not a folder of record files")
    names = sorted(entry.name for entry in os.scandir(folder) if entry.is_file())
    for start in range(0, len(names), size):
        yield [folder / name for name in names[start : start + size]]


def record_to_article(record: RecordFile, source: str) -> Article:
    first_line = next((line for line in record.text.split("\n") if line.strip()), None)
    return Article(
        id=record.id,
        text=record.text,
        layout=record.layout,
        seq=record.seq,
        title=first_line.strip() if first_line else None,
        source=source,
    )


def backfill_batch(
    paths: Iterable[Path],
    warehouse: Warehouse,
    *,
    run_id: str | None = None,
    seen_at: datetime | None = None,
    repair: bool = False,
    source: str | None = None,
) -> BackfillReport:
    """Read one batch of record files and append the valid ones in one transaction."""
    report = BackfillReport()
    articles: list[Article] = []
    for path in paths:
        report.files_seen += 1
        try:
            record = read_record(path, repair=repair)
        except RecordFormatError as err:
            report.rejected_count += 1
            if len(report.rejected) < MAX_LISTED_REJECTIONS:
                report.rejected.append(Rejection(str(path), err.reason, str(err)))
            continue
        articles.append(record_to_article(record, source or f"backfill:{path.parent.name}"))
    if articles:
        with warehouse.connection() as con:
            appended = append_articles(
                con, articles, seen_at=seen_at or datetime.now(UTC), run_id=run_id
            )
        report.add_appended(appended)
    return report


def backfill_folder(
    folder: Path,
    warehouse: Warehouse,
    *,
    run_id: str | None = None,
    batch_size: int = DEFAULT_BATCH,
    repair: bool = False,
    progress: Callable[[int], None] | None = None,
) -> BackfillReport:
    """The whole folder, batch by batch; `progress` is told how many files each batch held."""
    total = BackfillReport()
    seen_at = datetime.now(UTC)
    for paths in iter_batches(folder, batch_size):
        total.add(
            backfill_batch(paths, warehouse, run_id=run_id, seen_at=seen_at, repair=repair)
        )
        if progress:
            progress(len(paths))
    return total
