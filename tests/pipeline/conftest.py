"""Fixtures for the pipeline tests: a real warehouse file, a way to query it, and loopback-only
fetch settings with short timeouts."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from ingest.fetch import FetchSettings, Politeness, RetryPolicy, Timeouts
from ingest.pipeline import ScrapeSettings
from ingest.testing import loopback_settings
from storage.warehouse import Warehouse

FAST_FETCH: dict[str, object] = {
    "retries": RetryPolicy(
        max_attempts=2, backoff_initial_s=0.01, backoff_max_s=0.02, backoff_jitter_s=0.01
    ),
    "timeouts": Timeouts(connect_s=2.0, read_s=5.0, request_s=10.0),
    "politeness": Politeness(throttle_delay_s=0.01, max_delay_s=0.05),
    "per_host": 16,
}


def fetch_settings(**overrides: object) -> FetchSettings:
    """Loopback only, 127.0.0.2 forbidden, fast retries."""
    return loopback_settings("127.0.0.2", **{**FAST_FETCH, **overrides})


def scrape_settings(**overrides: object) -> ScrapeSettings:
    fields: dict[str, object] = {"fetch": fetch_settings(), "batch_size": 100, "extract_workers": 0}
    return ScrapeSettings(**{**fields, **overrides})  # type: ignore[arg-type]


@pytest.fixture
def warehouse(tmp_path: Path) -> Warehouse:
    return Warehouse(tmp_path / "wh.duckdb")


@pytest.fixture
def sql(warehouse: Warehouse) -> Iterator[object]:
    """Run a query on the warehouse file (opened and closed per query) and fetch all rows."""

    def run(query: str, *params: object) -> list[tuple[object, ...]]:
        con = duckdb.connect(str(warehouse.path), read_only=True)
        try:
            return con.execute(query, list(params)).fetchall()
        finally:
            con.close()

    yield run
