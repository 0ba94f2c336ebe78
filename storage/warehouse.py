"""The DuckDB warehouse file: where it is, how it is opened, and how lock conflicts are waited out.

DuckDB lets one process hold a file read-write; every open here is short and retried while
another process holds the lock, so writers and readers can take turns.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
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


class _Host:
    """An in-memory DuckDB instance that a writer attaches the warehouse file to, one operation
    at a time, and the lock that makes one thread of the process use it at a time.

    Reopening the file for every batch built a new DuckDB instance and a new buffer pool each
    time: every block read came into freshly faulted memory. The host keeps both, and DETACH
    still checkpoints the file and releases it for other processes (docs/warehouse.md).
    """

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.con: duckdb.DuckDBPyConnection | None = None
        self.alias: str | None = None  # the file's catalog name while attached
        self.depth = 0  # nested uses by the thread holding the lock

    def discard(self) -> None:
        """Close the instance (which also releases the file); the next use makes a new one."""
        con, self.con, self.alias = self.con, None, None
        if con is not None:
            con.close()


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
        self._host = _Host()

    def for_derived(self) -> Warehouse:
        """The same file, for the steps that write derived data: large row groups.

        It shares this warehouse's host instance (and its lock): inside an operation of this
        warehouse, it uses the file as already attached.
        """
        settings = replace(self.settings, row_group_size=self.settings.derived_row_group_size)
        derived = Warehouse(self.path, read_only=self.read_only, settings=settings)
        derived._host, derived._migrated = self._host, self._migrated
        return derived

    @property
    def bodies(self) -> Path:
        """The folder of this warehouse's raw page bodies (Parquet files, `storage.bodies`)."""
        return bodies_dir(self.path)

    def _config(self) -> dict[str, str | int | bool]:
        config: dict[str, str | int | bool] = {"memory_limit": self.settings.memory_limit}
        if self.settings.threads:
            config["threads"] = self.settings.threads
        return config

    def _alias(self) -> str:
        stem = self.path.stem
        return identifier("warehouse" if stem.lower() in _RESERVED_ALIASES else stem)

    def _writer_config(self) -> dict[str, str | int | bool]:
        return self._config() | {
            "threads": self.settings.threads or self.settings.writer_threads,
            # Where DuckDB spills for a file it opens itself; an in-memory one would use ./.tmp.
            "temp_directory": str(self.path) + ".tmp",
        }

    def _attach_sql(self, alias: str) -> str:
        # The row group size is an ATTACH option (not stored in the file).
        return (
            f"ATTACH {literal(str(self.path))} AS {alias} "
            f"(STORAGE_VERSION '{STORAGE_VERSION}', "
            f"ROW_GROUP_SIZE {int(self.settings.row_group_size)})"
        )

    def _attach_writer(self) -> duckdb.DuckDBPyConnection:
        """Read-write, a connection of its own: ATTACH to a new in-memory instance."""
        alias = self._alias()
        con = duckdb.connect(":memory:", config=self._writer_config())
        try:
            con.execute(self._attach_sql(alias))
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
        """A new connection of its own, waiting out other processes' locks, with the schema up
        to date; closing it releases the file. (`connection()` is cheaper for writers.)"""
        return self._prepared(self._retrying_locks(self._open_once))

    def _prepared(self, con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
        """`con` without a progress bar and with the schema checked; closed if that fails."""
        try:
            # No progress bar: DuckDB would draw it on stderr during long statements of a batch job.
            con.execute("SET enable_progress_bar = false")
            self._check_schema(con)
        except BaseException:
            con.close()
            raise
        return con

    def _retrying_locks(
        self, attempt: Callable[[], duckdb.DuckDBPyConnection]
    ) -> duckdb.DuckDBPyConnection:
        started = time.monotonic()
        retrying = Retrying(
            retry=retry_if_exception(_is_lock_conflict),
            stop=stop_after_delay(self.settings.lock_timeout_s),
            wait=wait_exponential_jitter(multiplier=0.02, max=0.5, jitter=0.05),
        )
        try:
            return retrying(attempt)
        except RetryError as exc:
            cause = exc.last_attempt.exception()
            raise WarehouseLockedError(
                str(self.path), time.monotonic() - started, str(cause).splitlines()[0]
            ) from cause
        except duckdb.Error as exc:
            raise WarehouseError(f"{self.path}: cannot open the warehouse: {exc}") from exc

    @contextmanager
    def _attached(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A connection (cursor) on the file attached to this warehouse's host instance.

        The outermost use attaches the file and detaches it at the end, which checkpoints it
        and releases it for other processes; a nested use on the same thread shares the
        attachment. Other threads wait for the host up to the lock timeout.
        """
        host = self._host
        if not host.lock.acquire(timeout=self.settings.lock_timeout_s):
            raise WarehouseLockedError(
                str(self.path),
                self.settings.lock_timeout_s,
                "held by another thread of this process",
            )
        try:
            if host.depth == 0:
                self._attach_host(host)
            host.depth += 1
            try:
                yield self._host_cursor(host)
            except BaseException:
                host.depth -= 1
                if host.depth == 0:
                    # The block's own error is the one to report; the host is discarded anyway.
                    with suppress(Exception):
                        self._detach_host(host)
                raise
            host.depth -= 1
            if host.depth == 0:
                self._detach_host(host)
        finally:
            host.lock.release()

    def _attach_host(self, host: _Host) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if host.con is None:
            host.con = duckdb.connect(":memory:", config=self._writer_config())
        alias = self._alias()
        con = host.con

        def attach() -> duckdb.DuckDBPyConnection:
            con.execute(self._attach_sql(alias))
            return con

        try:
            self._retrying_locks(attach)
        except WarehouseLockedError:
            raise  # another process holds the file: the host itself is fine
        except BaseException:
            host.discard()
            raise
        host.alias = alias

    def _host_cursor(self, host: _Host) -> duckdb.DuckDBPyConnection:
        assert host.con is not None and host.alias is not None
        cur = host.con.cursor()
        try:
            cur.execute(f"USE {host.alias}")
        except BaseException:
            cur.close()
            raise
        return self._prepared(cur)

    def _detach_host(self, host: _Host) -> None:
        """Detach the file: DuckDB checkpoints it and gives up its lock. A failure closes the
        whole instance, which releases the file all the same."""
        assert host.con is not None and host.alias is not None
        try:
            host.con.execute(f"DETACH {host.alias}")
            host.alias = None
        except BaseException:
            host.discard()
            raise

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
        """The held connection inside `session()`, else a short-lived one: the file is released
        when the block ends."""
        if self._held is not None:
            yield self._held
            return
        if self.read_only:
            con = self.open()
            try:
                yield con
            finally:
                con.close()
            return
        with self._attached() as cur:
            try:
                yield cur
            finally:
                cur.close()

    @contextmanager
    def session(self) -> Iterator[Warehouse]:
        """Hold the file open across several operations (blocks other processes meanwhile)."""
        if self._held is not None:
            yield self
            return
        with self.connection() as con:
            self._held = con
            try:
                yield self
            finally:
                self._held = None

    @contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        with self.connection() as con, transaction(con):
            yield con
