"""The warehouse file: migrations, storage format, versioned appends and lock waiting."""

from __future__ import annotations

import hashlib
import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from ingest.article import Article, text_key
from storage.articles import _sha256_hex, append_articles, append_articles_in_transaction
from storage.current import mismatched_rows
from storage.errors import SchemaTooNewError, WarehouseError, WarehouseLockedError
from storage.export import iter_current_records
from storage.migrations import LATEST, current_version, migrate
from storage.warehouse import ENV_VAR, Warehouse, WarehouseSettings, resolve_path

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def art(i: int, text: str | None = None) -> Article:
    return Article(id=f"{i:016x}", text=text or f"Headline {i}\n\nBody of article {i}.", seq=i)


def test_path_resolution_order(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV_VAR, raising=False)
    assert resolve_path() == Path("newsdesk.duckdb")
    monkeypatch.setenv(ENV_VAR, "/data/env.duckdb")
    assert resolve_path() == Path("/data/env.duckdb")
    assert resolve_path("given.duckdb") == Path("given.duckdb")


def test_new_file_is_at_latest_schema_with_compressing_storage(tmp_path: Path) -> None:
    wh = Warehouse(tmp_path / "w.duckdb")
    with wh.connection() as con:
        assert current_version(con) == LATEST
        tags = con.execute(
            "SELECT tags FROM duckdb_databases() WHERE database_name = 'w'"
        ).fetchone()[0]
    assert tags["storage_version"].startswith("v1.5")


def _store_as_schema_1(
    con: duckdb.DuckDBPyConnection, article: Article, version: int, valid_to: datetime | None = None
) -> None:
    """A version row as the code of schema 1 stored it (appends need the latest schema)."""
    con.execute(
        "INSERT INTO articles (id, version, content_hash, text, layout, seq, valid_from, "
        "valid_to, first_seen, last_seen) VALUES (?, ?, ?, ?, 'spaced', ?, ?, ?, ?, ?)",
        [
            article.id,
            version,
            article.content_hash,
            article.text,
            article.seq,
            T0,
            valid_to,
            T0,
            T0,
        ],
    )


def test_older_file_is_upgraded_and_keeps_its_rows(tmp_path: Path) -> None:
    path = tmp_path / "old.duckdb"
    con = duckdb.connect(str(path))
    migrate(con, str(path), target=1)
    edited = art(1, "Headline 1\n\nEdited body.")
    _store_as_schema_1(con, art(1), 1, valid_to=T0)
    _store_as_schema_1(con, edited, 2)
    _store_as_schema_1(con, art(2), 1)
    assert current_version(con) == 1
    assert not con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'fetches'"
    ).fetchone()[0]
    con.close()

    with Warehouse(path).connection() as con:
        assert current_version(con) == LATEST
        assert con.execute("SELECT count(*) FROM fetches").fetchone()[0] == 0
        assert con.execute("SELECT count(*) FROM article_current").fetchone()[0] == 2
        assert mismatched_rows(con) == 0
        # The side table built by the migration classifies against the current versions.
        later = T0 + timedelta(days=1)
        again = append_articles(con, [edited, art(2), art(3)], seen_at=later)
        changed = append_articles(con, [art(2, "Headline 2\n\nNew.")], seen_at=later)
        assert (again.new, again.unchanged, again.changed) == (1, 2, 0)
        assert (changed.new, changed.unchanged, changed.changed) == (0, 0, 1)
        assert mismatched_rows(con) == 0
        keys = con.execute(
            "SELECT a.text, c.text_key FROM articles a JOIN article_current c "
            "ON c.id_key = md5_number(a.id) AND c.version = a.version"
        ).fetchall()
        rows = con.execute(
            "SELECT id, version, last_seen, valid_to IS NULL FROM articles ORDER BY id, version"
        ).fetchall()
    assert [key for _, key in keys] == [text_key(text) for text, _ in keys]
    assert len(keys) == 3
    assert rows == [
        (art(1).id, 1, T0, False),
        (art(1).id, 2, later, True),
        (art(2).id, 1, later, False),
        (art(2).id, 2, later, True),
        (art(3).id, 1, later, True),
    ]


def test_newer_file_is_refused_clearly(tmp_path: Path) -> None:
    path = tmp_path / "new.duckdb"
    with Warehouse(path).connection() as con:
        con.execute(
            "INSERT INTO schema_migrations (version, name) VALUES (?, 'future')", [LATEST + 1]
        )
    for read_only in (False, True):
        with pytest.raises(SchemaTooNewError, match=f"version {LATEST + 1} is newer"):
            Warehouse(path, read_only=read_only).open()
        with pytest.raises(SchemaTooNewError, match=f"version {LATEST + 1} is newer"):
            with Warehouse(path, read_only=read_only).connection():
                pass


def test_read_only_open_of_missing_file_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(WarehouseError, match="no warehouse file here yet"):
        Warehouse(tmp_path / "missing.duckdb", read_only=True).open()


def test_reappend_adds_nothing_and_moves_last_seen(tmp_path: Path) -> None:
    with Warehouse(tmp_path / "w.duckdb").connection() as con:
        first = append_articles(con, [art(1), art(2)], seen_at=T0)
        later = T0 + timedelta(days=1)
        again = append_articles(con, [art(1), art(2)], seen_at=later)
        rows = con.execute("SELECT count(*), min(last_seen), min(first_seen) FROM articles")
        count, last_seen, first_seen = rows.fetchone()
    assert (first.new, first.unchanged, first.changed) == (2, 0, 0)
    assert (again.new, again.unchanged, again.changed) == (0, 2, 0)
    assert count == 2
    assert last_seen == later and first_seen == T0


def test_changed_text_is_a_new_version_and_old_text_is_kept(tmp_path: Path) -> None:
    later = T0 + timedelta(hours=3)
    with Warehouse(tmp_path / "w.duckdb").connection() as con:
        append_articles(con, [art(1)], seen_at=T0)
        result = append_articles(con, [art(1, "Headline 1\n\nA corrected body.")], seen_at=later)
        rows = con.execute(
            "SELECT version, text, valid_from, valid_to, first_seen FROM articles ORDER BY version"
        ).fetchall()
    assert result.changed == 1 and result.new == 0
    # The new version keeps the article's first_seen; its validity starts when it was seen.
    assert rows == [
        (1, art(1).text, T0, later, T0),
        (2, "Headline 1\n\nA corrected body.", later, None, T0),
    ]


def test_content_hash_is_the_sha256_of_the_texts_utf8(tmp_path: Path) -> None:
    texts = ["Plain ASCII", "Zürich: naïve café — “quoted” 東京 🦆", "x", "Ünïcödé\n\nbody " * 500]
    articles = [art(i, text) for i, text in enumerate(texts)]
    with Warehouse(tmp_path / "w.duckdb").connection() as con:
        append_articles(con, articles, seen_at=T0)
        stored = dict(con.execute("SELECT id, content_hash FROM articles").fetchall())
    assert stored == {a.id: hashlib.sha256(a.text.encode("utf-8")).hexdigest() for a in articles}


def test_hashing_reads_each_chunk_and_slice_of_the_text_array() -> None:
    texts = ["alpha", "", "gamma δ", "epsilon"]
    expected = [hashlib.sha256(t.encode()).hexdigest() for t in texts]
    sliced = pa.array(["skipped", *texts], pa.string()).slice(1)
    chunked = pa.chunked_array([pa.array(texts[:2]), pa.array(texts[2:])])
    assert _sha256_hex(sliced) == expected
    assert _sha256_hex(chunked) == expected
    with pytest.raises(ValueError, match="without text"):
        _sha256_hex(pa.array(["a", None]))


def test_last_occurrence_in_a_batch_wins(tmp_path: Path) -> None:
    with Warehouse(tmp_path / "w.duckdb").connection() as con:
        result = append_articles(con, [art(1, "first"), art(1, "second")], seen_at=T0)
        texts = con.execute("SELECT text FROM articles").fetchall()
    assert result.new == 1 and texts == [("second",)]


def test_mixed_batch_keeps_one_row_per_version_without_a_key(tmp_path: Path) -> None:
    later = T0 + timedelta(days=1)
    with Warehouse(tmp_path / "w.duckdb").connection() as con:
        append_articles(con, [art(1), art(2), art(3)], seen_at=T0)
        # Unchanged, changed, new and unchanged again, in one batch; twice, to be idempotent.
        batch = [art(2), art(3, "Headline 3\n\nNew body."), art(4), art(1)]
        result = append_articles(con, batch, seen_at=later)
        again = append_articles(con, batch, seen_at=later)
        rows = con.execute(
            "SELECT id, version, text, seq, last_seen, valid_to IS NULL FROM articles "
            "ORDER BY id, version"
        ).fetchall()
        mismatched = mismatched_rows(con)
        keys = con.execute(
            "SELECT count(*) FROM duckdb_constraints() WHERE table_name = 'articles' "
            "AND constraint_type = 'PRIMARY KEY'"
        ).fetchone()[0]
    assert (result.new, result.unchanged, result.changed) == (1, 2, 1)
    assert (again.new, again.unchanged, again.changed) == (0, 4, 0)
    assert result.outcomes == {} and again.outcomes == {}  # only when asked for
    assert keys == 0 and mismatched == 0
    assert rows == [
        (art(1).id, 1, art(1).text, 1, later, True),
        (art(2).id, 1, art(2).text, 2, later, True),
        (art(3).id, 1, art(3).text, 3, T0, False),
        (art(3).id, 2, "Headline 3\n\nNew body.", 3, later, True),
        (art(4).id, 1, art(4).text, 4, later, True),
    ]


def test_each_ids_outcome_is_returned_when_asked_for(tmp_path: Path) -> None:
    with Warehouse(tmp_path / "w.duckdb").transaction() as con:
        append_articles_in_transaction(con, [art(1), art(2)], seen_at=T0)
        batch = [art(1), art(2, "Headline 2\n\nChanged."), art(3), art(3, "Headline 3\n\nLast.")]
        result = append_articles_in_transaction(con, batch, seen_at=T0, by_id=True)
    assert result.outcomes == {art(1).id: "unchanged", art(2).id: "changed", art(3).id: "new"}
    assert (result.new, result.unchanged, result.changed) == (1, 1, 1)


HOLDER = """
import pathlib, sys, time, duckdb
con = duckdb.connect(sys.argv[1])
print("held", flush=True)
time.sleep(float(sys.argv[2]))
pathlib.Path(sys.argv[1] + ".releasing").touch()
con.close()
"""


def _hold(path: Path, seconds: float) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(path), str(seconds)], stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "held"
    return proc


def test_open_waits_for_another_process_to_release_the_file(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    with Warehouse(path).connection() as con:
        append_articles(con, [art(1)], seen_at=T0)
    holder = _hold(path, 1.5)
    try:
        with Warehouse(path, read_only=True).connection() as con:
            assert con.execute("SELECT count(*) FROM articles").fetchone()[0] == 1
        # We only got in once the holder had started to let go.
        assert Path(str(path) + ".releasing").exists()
    finally:
        holder.wait()


def test_lock_held_too_long_gives_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    Warehouse(path).open().close()
    holder = _hold(path, 30)
    try:
        settings = WarehouseSettings(lock_timeout_s=0.5)
        with pytest.raises(WarehouseLockedError, match="held by another process"):
            Warehouse(path, settings=settings).open()
    finally:
        holder.kill()
        holder.wait()


COUNTER = """
import sys, duckdb
try:
    con = duckdb.connect(sys.argv[1], read_only=True)
except duckdb.Error:
    print("locked")
else:
    print(con.execute("SELECT count(*) FROM articles").fetchone()[0])
"""


def _count_from_another_process(path: Path) -> str:
    out = subprocess.run(
        [sys.executable, "-c", COUNTER, str(path)], capture_output=True, text=True, check=True
    )
    return out.stdout.strip()


def test_a_writer_releases_the_file_after_each_operation(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    wh = Warehouse(path)
    for i in (1, 2):
        with wh.connection() as con:
            append_articles(con, [art(i)], seen_at=T0)
            assert _count_from_another_process(path) == "locked"
        # Detached: another process opens the file and sees every committed row.
        assert _count_from_another_process(path) == str(i)


def test_nested_operations_share_the_file_and_other_threads_wait(tmp_path: Path) -> None:
    wh = Warehouse(tmp_path / "w.duckdb", settings=WarehouseSettings(lock_timeout_s=0.3))
    outcome: list[object] = []

    def other_thread() -> None:
        try:
            with wh.connection():
                outcome.append("got in")
        except WarehouseLockedError as exc:
            outcome.append(exc)

    with wh.connection() as outer:
        append_articles(outer, [art(1)], seen_at=T0)
        with wh.connection() as inner:
            append_articles(inner, [art(2)], seen_at=T0)
        worker = threading.Thread(target=other_thread)
        worker.start()
        worker.join()
        count = outer.execute("SELECT count(*) FROM articles").fetchone()[0]
    assert count == 2
    assert len(outcome) == 1 and isinstance(outcome[0], WarehouseLockedError)
    assert "another thread of this process" in str(outcome[0])
    other_thread()  # once the outer operation is over, the other thread gets in
    assert outcome[-1] == "got in"


def test_a_writer_waits_for_another_process_and_recovers_after_a_timeout(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    wh = Warehouse(path, settings=WarehouseSettings(lock_timeout_s=0.5))
    with wh.connection() as con:
        append_articles(con, [art(1)], seen_at=T0)
    holder = _hold(path, 30)
    try:
        with pytest.raises(WarehouseLockedError, match="held by another process"):
            with wh.connection():
                pass
    finally:
        holder.kill()
        holder.wait()
    with wh.connection() as con:  # the same object works once the file is free
        assert con.execute("SELECT count(*) FROM articles").fetchone()[0] == 1


def test_cursors_of_a_writer_see_the_warehouse(tmp_path: Path) -> None:
    # A writer attaches the file; a plain cursor would start in DuckDB's in-memory database.
    with Warehouse(tmp_path / "w.duckdb").connection() as con:
        append_articles(con, [art(2), art(1)], seen_at=T0)
        records = [(r.seq, r.id) for r in iter_current_records(con)]
    assert records == [(1, art(1).id), (2, art(2).id)]
