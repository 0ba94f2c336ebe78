"""Backfilling record folders and exporting them again, on real files and a real DuckDB file."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ingest.backfill import backfill_folder
from ingest.export import export_folder
from storage.warehouse import Warehouse

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


@pytest.fixture
def warehouse(tmp_path: Path) -> Warehouse:
    return Warehouse(tmp_path / "w.duckdb")


def _rows(wh: Warehouse) -> int:
    with wh.connection() as con:
        return con.execute("SELECT count(*) FROM articles").fetchone()[0]


def test_seeds_round_trip_byte_for_byte(warehouse: Warehouse, tmp_path: Path) -> None:
    report = backfill_folder(SEEDS, warehouse)
    assert (report.files_seen, report.new, report.rejected_count) == (5, 5, 0)
    out = tmp_path / "export"
    assert export_folder(warehouse, out) == 5
    exported = sorted(p.name for p in out.iterdir())
    assert exported == sorted(p.name for p in SEEDS.iterdir())
    for name in exported:
        assert (out / name).read_bytes() == (SEEDS / name).read_bytes(), name


def test_a_backfill_ends_with_every_article_searchable_and_marked(
    warehouse: Warehouse,
) -> None:
    backfill_folder(SEEDS, warehouse, batch_size=2)
    with warehouse.connection() as con:
        underived = con.execute(
            "SELECT count(*) FROM latest_articles a ANTI JOIN search_docs d "
            "ON d.id = a.id AND d.version = a.version"
        ).fetchone()[0]
        marked = con.execute("SELECT count(simhash) FROM latest_articles").fetchone()[0]
    assert (underived, marked) == (0, 5)


def test_second_run_adds_no_rows(warehouse: Warehouse) -> None:
    backfill_folder(SEEDS, warehouse)
    again = backfill_folder(SEEDS, warehouse)
    assert (again.new, again.unchanged, again.changed) == (0, 5, 0)
    assert _rows(warehouse) == 5


def test_rejected_files_never_stop_the_batch(warehouse: Warehouse, tmp_path: Path) -> None:
    folder = tmp_path / "mixed"
    shutil.copytree(SEEDS, folder)
    (folder / "005_00000000000000ab.txt").write_bytes(b"Headline\r\n\r\nBody")
    (folder / "006_00000000000000ac.txt").write_bytes(b"\xff\xfe not utf-8")
    (folder / "notes.md").write_text("not a record")
    report = backfill_folder(folder, warehouse, batch_size=2)
    assert report.files_seen == 8 and report.new == 5 and report.rejected_count == 3
    reasons = {Path(r.path).name: r.reason for r in report.rejected}
    assert reasons == {
        "005_00000000000000ab.txt": "crlf",
        "006_00000000000000ac.txt": "not_utf8",
        "notes.md": "bad_name",
    }
    assert all(Path(r.path).name in r.message for r in report.rejected)


def test_changed_file_becomes_a_new_version_and_export_gives_the_new_text(
    warehouse: Warehouse, tmp_path: Path
) -> None:
    folder = tmp_path / "seeds"
    shutil.copytree(SEEDS, folder)
    backfill_folder(folder, warehouse)
    target = folder / "003_88c87702faa88119.txt"
    old = target.read_text(encoding="utf-8")
    target.write_text(old + "\nA correction was appended.", encoding="utf-8")
    report = backfill_folder(folder, warehouse)
    assert (report.new, report.unchanged, report.changed) == (0, 4, 1)
    with warehouse.connection() as con:
        texts = con.execute(
            "SELECT version, text FROM articles WHERE id = '88c87702faa88119' ORDER BY version"
        ).fetchall()
    assert [v for v, _ in texts] == [1, 2] and texts[0][1] == old
    out = tmp_path / "out"
    export_folder(warehouse, out)
    assert (out / target.name).read_bytes() == target.read_bytes()


def test_missing_folder_is_a_clear_error(warehouse: Warehouse, tmp_path: Path) -> None:
    with pytest.raises(NotADirectoryError, match="nope"):
        backfill_folder(tmp_path / "nope", warehouse)


def test_rerun_skips_unmodified_files_unless_verifying(
    warehouse: Warehouse, tmp_path: Path
) -> None:
    folder = tmp_path / "seeds"
    shutil.copytree(SEEDS, folder)
    backfill_folder(folder, warehouse)
    second = backfill_folder(folder, warehouse)
    assert (second.unchanged, second.unmodified) == (5, 5)
    verified = backfill_folder(folder, warehouse, verify=True)
    assert (verified.unchanged, verified.unmodified) == (5, 0)
    # Same text, new mtime: read again, still unchanged, and no new row.
    target = folder / "002_2c6e15f5f88e545b.txt"
    target.write_bytes(target.read_bytes())
    touched = backfill_folder(folder, warehouse)
    assert (touched.unchanged, touched.unmodified, touched.new) == (5, 4, 0)
    assert _rows(warehouse) == 5
