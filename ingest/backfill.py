"""Backfilling folders of record files into the warehouse, batch by batch.

The folder is streamed: only one batch of files is in memory at a time, a rejected file is
reported with its reason and never stops the batch, and each batch is one short transaction.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from ingest.article import Article, content_hash
from ingest.records import RecordFile, RecordFormatError, read_record
from storage.articles import AppendResult
from storage.derived import refresh_warehouse
from storage.record_files import FileStat, LoadedFile, find_unmodified, store_record_batch
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
    unmodified: int = 0  # of `unchanged`: skipped unread, same size and mtime as last time
    rejected_count: int = 0
    rejected: list[Rejection] = field(default_factory=list)

    def add(self, other: BackfillReport) -> None:
        self.files_seen += other.files_seen
        self.new += other.new
        self.unchanged += other.unchanged
        self.changed += other.changed
        self.unmodified += other.unmodified
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
            "unmodified": self.unmodified,
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
    """A backfilled record; its title is its first line (for extracted records, the headline)."""
    first_line = record.text.partition("\n")[0].strip()
    return Article(
        id=record.id,
        text=record.text,
        layout=record.layout,
        seq=record.seq,
        title=first_line or None,
        source=source,
    )


@dataclass(slots=True)
class _ReadBatch:
    """One batch read from disk, ready to be written in one transaction."""

    report: BackfillReport
    articles: list[Article]
    files: list[LoadedFile]
    unmodified: list[str]


def _stat(paths: Iterable[Path]) -> list[FileStat]:
    stats = []
    for path in paths:
        try:
            info = path.stat()
        except OSError:
            info = None  # read_record reports it with its reason
        absolute = os.path.abspath(path)
        stats.append(
            FileStat(absolute, info.st_size if info else -1, info.st_mtime_ns if info else -1)
        )
    return stats


def _read(stats: list[FileStat], unmodified: set[str], repair: bool, source: str) -> _ReadBatch:
    batch = _ReadBatch(BackfillReport(), [], [], [])
    for stat in stats:
        batch.report.files_seen += 1
        if stat.path in unmodified:
            batch.unmodified.append(stat.path)
            continue
        try:
            record = read_record(Path(stat.path), repair=repair)
        except RecordFormatError as err:
            batch.report.rejected_count += 1
            if len(batch.report.rejected) < MAX_LISTED_REJECTIONS:
                batch.report.rejected.append(Rejection(stat.path, err.reason, str(err)))
            continue
        article = record_to_article(record, source)
        batch.articles.append(article)
        batch.files.append(
            LoadedFile(stat.path, stat.size, stat.mtime_ns, record.id, content_hash(record.text))
        )
    return batch


def _write(
    con: duckdb.DuckDBPyConnection,
    batch: _ReadBatch,
    *,
    run_id: str | None,
    seen_at: datetime,
) -> BackfillReport:
    appended = store_record_batch(
        con, batch.articles, batch.files, batch.unmodified, run_id=run_id, seen_at=seen_at
    )
    batch.report.add_appended(appended)
    batch.report.unchanged += len(batch.unmodified)
    batch.report.unmodified += len(batch.unmodified)
    return batch.report


def backfill_batch(
    paths: Iterable[Path],
    warehouse: Warehouse,
    *,
    run_id: str | None = None,
    seen_at: datetime | None = None,
    repair: bool = False,
    verify: bool = False,
    source: str | None = None,
) -> BackfillReport:
    """Read one batch of record files and store the valid ones in one short transaction."""
    return _Backfill(
        warehouse, run_id=run_id, seen_at=seen_at, repair=repair, verify=verify, source=source
    ).run([list(paths)])


def backfill_folder(
    folder: Path,
    warehouse: Warehouse,
    *,
    run_id: str | None = None,
    batch_size: int = DEFAULT_BATCH,
    repair: bool = False,
    verify: bool = False,
    refresh: bool = True,
    progress: Callable[[int], None] | None = None,
) -> BackfillReport:
    """The whole folder, batch by batch, then duplicate marks and search postings caught up
    (`refresh=False` leaves that to the caller, as the flow does in a task of its own).

    `progress` is told how many files each batch held.
    """
    job = _Backfill(
        warehouse,
        run_id=run_id,
        repair=repair,
        verify=verify,
        source=f"backfill:{folder.name}",
        progress=progress,
    )
    report = job.run(iter_batches(folder, batch_size))
    if refresh:
        refresh_warehouse(warehouse)
    return report


class _Backfill:
    """Reads batch N+1 on a thread while batch N is written (DuckDB releases the GIL), and
    closes the file between batches so that other processes can get in."""

    def __init__(
        self,
        warehouse: Warehouse,
        *,
        run_id: str | None,
        seen_at: datetime | None = None,
        repair: bool,
        verify: bool,
        source: str | None,
        progress: Callable[[int], None] | None = None,
    ) -> None:
        self.warehouse, self.run_id, self.repair, self.verify = warehouse, run_id, repair, verify
        self.seen_at = seen_at or datetime.now(UTC)
        self.source, self.progress = source, progress

    def run(self, batches: Iterable[list[Path]]) -> BackfillReport:
        total = BackfillReport()
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="backfill-read") as reader:
            pending: Future[_ReadBatch] | None = None
            for paths in batches:
                stats = _stat(paths)
                with self.warehouse.connection() as con:
                    unmodified = set() if self.verify else find_unmodified(con, stats)
                    if pending is not None:
                        total.add(self._store(con, pending.result()))
                source = self.source or f"backfill:{paths[0].parent.name}" if paths else ""
                pending = reader.submit(_read, stats, unmodified, self.repair, source)
            if pending is not None:
                with self.warehouse.connection() as con:
                    total.add(self._store(con, pending.result()))
        return total

    def _store(self, con: duckdb.DuckDBPyConnection, batch: _ReadBatch) -> BackfillReport:
        report = _write(con, batch, run_id=self.run_id, seen_at=self.seen_at)
        if self.progress:
            self.progress(report.files_seen)
        return report
