"""`newsdesk search`, `export-parquet` and `compact` on a real warehouse file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from flows.cli import app

SEEDS = Path(__file__).resolve().parents[2] / "seeds"
runner = CliRunner()


@pytest.fixture
def wh(tmp_path: Path) -> str:
    path = str(tmp_path / "cli.duckdb")
    assert runner.invoke(app, ["-w", path, "backfill", str(SEEDS)]).exit_code == 0
    return path


def test_search_prints_ranked_hits_in_each_format(wh: str) -> None:
    as_json = runner.invoke(app, ["-w", wh, "search", "Belousov Pyongyang", "--format", "json"])
    assert as_json.exit_code == 0, as_json.output
    hits = json.loads(as_json.stdout)
    # Seeds 001 and 002 are the two stories about the visit.
    assert {h["id"] for h in hits[:2]} == {"3beab7614f4bc16b", "2c6e15f5f88e545b"}
    assert hits == sorted(hits, key=lambda h: -h["score"])
    limited = runner.invoke(app, ["-w", wh, "search", "Belousov", "--limit", "1", "-f", "csv"])
    assert len(limited.stdout.splitlines()) == 2


def test_search_without_words_fails_with_the_reason(wh: str) -> None:
    result = runner.invoke(app, ["-w", wh, "search", "?!"])
    assert result.exit_code == 2
    assert "no words to search for" in result.output


def test_export_parquet_and_compact(wh: str, tmp_path: Path) -> None:
    out = tmp_path / "parquet"
    result = runner.invoke(app, ["-w", wh, "export-parquet", str(out)])
    assert result.exit_code == 0, result.output
    assert "articles: 5 rows" in result.stdout
    assert list((out / "articles").glob("day=*/*.parquet"))
    compacted = runner.invoke(app, ["-w", wh, "compact"])
    assert compacted.exit_code == 0 and "indexed 0 articles" in compacted.stdout
