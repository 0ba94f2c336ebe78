"""The `newsdesk` command line, run in-process on real warehouse files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from flows.cli import app

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
runner = CliRunner()


@pytest.fixture
def wh(tmp_path: Path) -> str:
    return str(tmp_path / "cli.duckdb")


def test_backfill_then_query_in_each_format(wh: str) -> None:
    result = runner.invoke(app, ["--warehouse", wh, "backfill", str(SEEDS)])
    assert result.exit_code == 0, result.output
    as_json = runner.invoke(app, ["-w", wh, "query", "SELECT id FROM articles ORDER BY seq",
                                  "--format", "json"])
    assert as_json.exit_code == 0
    assert [r["id"] for r in json.loads(as_json.stdout)][0] == "910ccb62103a7f63"
    as_csv = runner.invoke(app, ["-w", wh, "query", "SELECT count(*) AS n FROM articles",
                                 "-f", "csv"])
    assert as_csv.stdout.splitlines() == ["n", "5"]
    as_table = runner.invoke(app, ["-w", wh, "query", "SELECT 42 AS answer"])
    assert "answer" in as_table.stdout and "42" in as_table.stdout


def test_warehouse_from_environment(wh: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSDESK_WAREHOUSE", wh)
    assert runner.invoke(app, ["backfill", str(SEEDS)]).exit_code == 0
    assert Path(wh).exists()
    stats = runner.invoke(app, ["stats"])
    assert stats.exit_code == 0 and "articles (current)" in stats.stdout


def test_export_round_trip(wh: str, tmp_path: Path) -> None:
    runner.invoke(app, ["-w", wh, "backfill", str(SEEDS)])
    result = runner.invoke(app, ["-w", wh, "export", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    for seed in SEEDS.iterdir():
        assert (tmp_path / "out" / seed.name).read_bytes() == seed.read_bytes()


def test_errors_exit_non_zero_with_a_message(wh: str, tmp_path: Path) -> None:
    missing = runner.invoke(app, ["-w", wh, "backfill", str(tmp_path / "nowhere")])
    assert missing.exit_code == 2 and "not a folder" in missing.output
    no_file = runner.invoke(app, ["-w", wh, "query", "SELECT 1"])
    assert no_file.exit_code == 2 and "no warehouse file here yet" in no_file.output
    runner.invoke(app, ["-w", wh, "backfill", str(SEEDS)])
    bad_sql = runner.invoke(app, ["-w", wh, "query", "SELEC nothing"])
    assert bad_sql.exit_code == 2 and "query failed" in bad_sql.output
    folder = tmp_path / "bad"
    folder.mkdir()
    (folder / "000_zzzzzzzzzzzzzzzz.txt").write_text("x")
    rejected = runner.invoke(app, ["-w", wh, "backfill", str(folder)])
    assert rejected.exit_code == 1 and "000_zzzzzzzzzzzzzzzz.txt" in rejected.output


@pytest.mark.parametrize("command", ["backfill", "export", "query", "stats"])
def test_every_command_has_help(command: str) -> None:
    result = runner.invoke(app, [command, "--help"])
    assert result.exit_code == 0 and "Usage" in result.output
