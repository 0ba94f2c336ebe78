"""The DuckDB warehouse file: where it is, how it is opened, and how lock conflicts are waited out.

DuckDB lets one process hold a file read-write; every open here is short and retried while
another process holds the lock, so writers and readers can take turns.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

import duckdb
from tenacity import (
    RetryError,
    Retrying,
    retry_if_exception,
    stop_after_delay,
    wait_exponential_jitter,
)

from storage._sql import identifier, literal
from storage._transaction import transaction
from storage.bodies import bodies_dir
from storage.errors import SchemaTooNewError, WarehouseError, WarehouseLockedError
from storage.migrations import LATEST, current_version, migrate

DEFAULT_PATH = "newsdesk.duckdb"
ENV_VAR = "NEWSDESK_WAREHOUSE"
# Files are written in the v1.5 storage format: older formats store long text uncompressed.
STORAGE_VERSION = "v1.5.0"
# Catalog names DuckDB keeps for itself; a file named like one is attached under another name.
_RESERVED_ALIASES = frozenset({"memory", "system", "temp"})


def resolve_path(path: str | os.PathLike[str] | None = None) -> Path:
    """The warehouse path: the argument, else $NEWSDESK_WAREHOUSE, else ./newsdesk.duckdb."""
    return Path(path or os.environ.get(ENV_VAR) or DEFAULT_PATH)


def cursor(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """A cursor of `con` on the same default database (writers attach the file, see below)."""
    row = con.execute("SELECT current_database()").fetchone()
    cur = con.cursor()
    if row:
        cur.execute(f"USE {identifier(row[0])}")
    return cur


def _is_lock_conflict(exc: BaseException) -> bool:
    text = str(exc)
    return isinstance(exc, duckdb.Error) and (
        "Could not set lock" in text or "Conflicting lock" in text
    )


@dataclass(frozen=True, slots=True)
class WarehouseSettings:
    lock_timeout_s: float = 120.0
    memory_limit: str = "4GB"
    threads: int | None = None
    # Rows per row group for writers. DuckDB's default (122,880) makes every checkpoint rewrite
    # the whole partly filled last row group, so a batch of 20,000 rows cost up to six times its
    # own compression; with small groups a batch fills whole groups that are written once.
    row_group_size: int = 2048
    # Rows per row group for the derived data (duplicate marks, search postings): the postings
    # are narrow and number ~180 per article, and every open of the file reads the metadata of
    # every row group, so at 2,048 rows each open cost ~0.3 CPU s per 40 million postings.
    derived_row_group_size: int = 122_880
    # Threads of a read-write connection. Measured on the shared two-core machine with 20,000-row
    # batches: a parallel INSERT took about three times the CPU of a single-threaded one and was
    # slower in wall time too, since the other core is rarely free.
    writer_threads: int = 1


class Warehouse:
    """Opens the warehouse file on demand; `session()` holds one connection across operations."""

    def __init__(
        self,
        path: str | os.PathLike[str] | None = None,
        *,
        read_only: bool = False,
        settings: WarehouseSettings | None = None,
    ) -> None:
        self.path = resolve_path(path)
        self.read_only = read_only
        self.settings = settings or WarehouseSettings()
        self._held: duckdb.DuckDBPyConnection | None = None
        self._migrated = False

    def for_derived(self) -> Warehouse:
        """The same file, for the steps that write derived data: large row groups."""
        settings = replace(
            self.settings, row_group_size=self.settings.derived_row_group_size
        )
        return Warehouse(self.path, read_only=self.read_only, settings=settings)

    @property
    def bodies(self) -> Path:
        """The folder of this warehouse's raw page bodies (Parquet files, `storage.bodies`)."""
        return bodies_dir(self.path)

    def _config(self) -> dict[str, str | int | bool]:
        config: dict[str, str | int | bool] = {"memory_limit": self.settings.memory_limit}
        if self.settings.threads:
            config["threads"] = self.settings.threads
        return config

    def _attach_writer(self) -> duckdb.DuckDBPyConnection:
        """Read-write: ATTACH, because the row group size is an ATTACH option (not stored)."""
        stem = self.path.stem
        alias = identifier("warehouse" if stem.lower() in _RESERVED_ALIASES else stem)
        config = self._config() | {
            "threads": self.settings.threads or self.settings.writer_threads,
            # Where DuckDB spills for a file it opens itself; an in-memory one would use ./.tmp.
            "temp_directory": str(self.path) + ".tmp",
        }
        con = duckdb.connect(":memory:", config=config)
        try:
            con.execute(
                f"ATTACH {literal(str(self.path))} AS {alias} "
                f"(STORAGE_VERSION '{STORAGE_VERSION}', "
                f"ROW_GROUP_SIZE {int(self.settings.row_group_size)})"
            )
            con.execute(f"USE {alias}")
        except BaseException:
            con.close()
            raise
        return con

    def _open_once(self) -> duckdb.DuckDBPyConnection:
        if self.read_only and not self.path.exists():
            raise WarehouseError(
                f"{self.path}: no warehouse file here yet; run `newsdesk backfill` or "
                "`newsdesk scrape` first, or pass --warehouse"
            )
        if self.read_only:
            return duckdb.connect(str(self.path), read_only=True, config=self._config())
        self.path.parent.mkdir(parents=True, exist_ok=True)
        return self._attach_writer()

    def open(self) -> duckdb.DuckDBPyConnection:
        """A new connection, waiting out other processes' locks, with the schema up to date."""
        started = time.monotonic()
        retrying = Retrying(
            retry=retry_if_exception(_is_lock_conflict),
            stop=stop_after_delay(self.settings.lock_timeout_s),
            wait=wait_exponential_jitter(multiplier=0.02, max=0.5, jitter=0.05),
        )
        try:
            con = retrying(self._open_once)
        except RetryError as exc:
            cause = exc.last_attempt.exception()
            raise WarehouseLockedError(
                str(self.path), time.monotonic() - started, str(cause).splitlines()[0]
            ) from cause
        except duckdb.Error as exc:
            raise WarehouseError(f"{self.path}: cannot open the warehouse: {exc}") from exc
        # No progress bar: DuckDB would draw it on stderr during long statements of a batch job.
        con.execute("SET enable_progress_bar = false")
        try:
            self._check_schema(con)
        except BaseException:
            con.close()
            raise
        return con

    def _check_schema(self, con: duckdb.DuckDBPyConnection) -> None:
        if self.read_only:
            found = current_version(con)
            if found > LATEST:
                raise SchemaTooNewError(str(self.path), found, LATEST)
        elif not self._migrated:
            migrate(con, str(self.path))
            self._migrated = True

    @contextmanager
    def connection(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """The held connection inside `session()`, else a short-lived one closed on exit."""
        if self._held is not None:
            yield self._held
            return
        con = self.open()
        try:
            yield con
        finally:
            con.close()

    @contextmanager
    def session(self) -> Iterator[Warehouse]:
        """Hold the file open across several operations (blocks other processes meanwhile)."""
        if self._held is not None:
            yield self
            return
        self._held = self.open()
        try:
            yield self
        finally:
            held, self._held = self._held, None
            held.close()

    @contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        with self.connection() as con, transaction(con):
            yield con
