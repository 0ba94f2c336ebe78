"""The `runs` table: one row per flow or CLI run, with its parameters and final figures."""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import duckdb


def new_run_id() -> str:
    return uuid.uuid4().hex


def start_run(
    con: duckdb.DuckDBPyConnection,
    kind: str,
    params: Mapping[str, Any] | None = None,
    *,
    run_id: str | None = None,
) -> str:
    run_id = run_id or new_run_id()
    con.execute(
        "INSERT INTO runs (run_id, kind, started_at, status, params) "
        "VALUES (?, ?, ?, 'running', ?)",
        [run_id, kind, datetime.now(UTC), json.dumps(params or {}, default=str)],
    )
    return run_id


def finish_run(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    *,
    status: str,
    stats: Mapping[str, Any] | None = None,
) -> None:
    con.execute(
        "UPDATE runs SET finished_at = ?, status = ?, stats = ? WHERE run_id = ?",
        [datetime.now(UTC), status, json.dumps(stats or {}, default=str), run_id],
    )
