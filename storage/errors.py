"""Errors raised by the warehouse.

    WarehouseError
    ├── SchemaTooNewError    the file was written by a newer newsdesk; refuse to touch it
    ├── WarehouseLockedError another process held the file for longer than the lock timeout
    └── QueryError           a user's SQL failed (message from DuckDB, prefixed with the query)
"""

from __future__ import annotations


class WarehouseError(Exception):
    """Base class of every warehouse error."""


class SchemaTooNewError(WarehouseError):
    def __init__(self, path: str, found: int, supported: int) -> None:
        super().__init__(
            f"{path}: warehouse schema version {found} is newer than this newsdesk supports "
            f"({supported}); upgrade newsdesk instead of opening it with an older version"
        )
        self.path, self.found, self.supported = path, found, supported


class WarehouseLockedError(WarehouseError):
    def __init__(self, path: str, waited_s: float, detail: str) -> None:
        super().__init__(
            f"{path}: the warehouse is held by another process and was not released within "
            f"{waited_s:.0f} s ({detail})"
        )
        self.path, self.waited_s = path, waited_s


class QueryError(WarehouseError):
    """A query failed; the message carries DuckDB's reason."""
