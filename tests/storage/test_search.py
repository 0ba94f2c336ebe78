"""BM25 search: ranking, incremental updates after each append, the SQL macro, compaction."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from ingest.article import Article
from storage.articles import append_articles
from storage.derived import RefreshReport, refresh, refresh_warehouse
from storage.migrations import migrate
from storage.search import SearchError, compact_index, index_missing, rebuild_index, search
from storage.warehouse import Warehouse

T0 = datetime(2026, 1, 1, tzinfo=UTC)
DOCS = {
    "a": ("Harbour strike ends", "Dock workers end the harbour strike after talks."),
    "b": ("Harbour news", "The harbour harbour harbour reopens; ships queue at the harbour."),
    "c": ("Budget vote", "Parliament votes on the budget. No strike is planned."),
    "d": ("Weather", "Rain and wind over the coast today."),
}


def art(key: str, title: str, body: str) -> Article:
    return Article(id=key * 16, title=title, text=f"{title}\n\n{body}")


@pytest.fixture
def con(tmp_path: Path) -> duckdb.DuckDBPyConnection:
    with Warehouse(tmp_path / "w.duckdb").connection() as connection:
        append_articles(connection, [art(k, *v) for k, v in DOCS.items()], seen_at=T0)
        refresh(connection)
        yield connection


def ids(hits: list) -> list[str]:
    return [h.id[0] for h in hits]


def bm25(tf: int, df: int, n: int, length: int, avgdl: float) -> float:
    idf = math.log(1 + (n - df + 0.5) / (df + 0.5))
    return idf * tf * 2.2 / (tf + 1.2 * (0.25 + 0.75 * length / avgdl))


def test_ranks_by_bm25_over_title_and_text(con: duckdb.DuckDBPyConnection) -> None:
    hits = search(con, "harbour strike")
    assert ids(hits) == ["a", "b", "c"]
    # The title is indexed, and the text starts with it again: "a" has 3 + 11 tokens,
    # 3 of them "harbour" and 3 "strike"; "b" has 14 with 6 "harbour"; "c" 13, "d" 9.
    avgdl = (14 + 14 + 13 + 9) / 4
    assert [h.score for h in hits] == pytest.approx(
        [2 * bm25(3, 2, 4, 14, avgdl), bm25(6, 2, 4, 14, avgdl), bm25(1, 2, 4, 13, avgdl)]
    )
    assert hits[0].title == "Harbour strike ends"


def test_macro_gives_the_same_ranking(con: duckdb.DuckDBPyConnection) -> None:
    rows = con.execute("SELECT id, score FROM search_articles('Harbour, STRIKE!')").fetchall()
    hits = search(con, "harbour strike")
    assert [r[0] for r in rows] == [h.id for h in hits]
    assert [r[1] for r in rows] == [pytest.approx(h.score, abs=1e-4) for h in hits]


def test_new_articles_are_searchable_after_the_refresh(con: duckdb.DuckDBPyConnection) -> None:
    append_articles(con, [art("e", "Volcano erupts", "Ash over the island.")], seen_at=T0)
    assert search(con, "volcano") == []  # the append alone does not index
    assert refresh(con) == RefreshReport(indexed=1, deduplicated=0)
    assert ids(search(con, "volcano")) == ["e"]


def test_a_changed_article_matches_on_its_new_text_only(con: duckdb.DuckDBPyConnection) -> None:
    later = T0 + timedelta(hours=1)
    append_articles(con, [art("d", "Weather", "Snow replaces the rain.")], seen_at=later)
    refresh(con)
    assert ids(search(con, "snow")) == ["d"]
    assert search(con, "wind") == []
    compact_index(con)
    assert ids(search(con, "snow")) == ["d"]
    assert con.execute("SELECT count(*) FROM search_docs").fetchone()[0] == 4


def test_unchanged_reappend_does_not_duplicate_postings(con: duckdb.DuckDBPyConnection) -> None:
    before = con.execute("SELECT count(*) FROM search_postings").fetchone()[0]
    append_articles(con, [art(k, *v) for k, v in DOCS.items()], seen_at=T0 + timedelta(1))
    assert refresh(con) == RefreshReport()
    assert con.execute("SELECT count(*) FROM search_postings").fetchone()[0] == before


def test_limit_and_bad_queries(con: duckdb.DuckDBPyConnection) -> None:
    assert len(search(con, "harbour strike", limit=1)) == 1
    with pytest.raises(SearchError, match="no words"):
        search(con, " ... !")
    with pytest.raises(SearchError, match="limit"):
        search(con, "harbour", limit=0)


def test_rows_from_before_the_index_are_indexed_later(tmp_path: Path) -> None:
    path = tmp_path / "old.duckdb"
    raw = duckdb.connect(str(path))
    migrate(raw, str(path), target=3)
    old = art("a", *DOCS["a"])  # stored as the schema-3 code stored it (appends need the latest)
    raw.execute(
        "INSERT INTO articles (id, version, content_hash, text, layout, title, valid_from, "
        "first_seen, last_seen) VALUES (?, 1, ?, ?, 'spaced', ?, ?, ?, ?)",
        [old.id, old.content_hash, old.text, old.title, T0, T0, T0],
    )
    migrate(raw, str(path))
    assert search(raw, "harbour") == []
    assert refresh(raw).indexed == 1
    assert ids(search(raw, "harbour")) == ["a"]
    assert refresh(raw).indexed == 0
    raw.close()


def test_an_index_from_a_different_hash_function_is_refused(
    con: duckdb.DuckDBPyConnection,
) -> None:
    con.execute("UPDATE search_meta SET probe = probe + 1")
    with pytest.raises(SearchError, match="hash\\(\\) differs"):
        search(con, "harbour")
    assert rebuild_index(con) == len(DOCS)
    assert ids(search(con, "harbour strike")) == ["a", "b", "c"]


def test_missing_rows_are_indexed_in_chunks(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("DELETE FROM search_postings")
    con.execute("DELETE FROM search_docs")
    assert index_missing(con, chunk=3) == len(DOCS)
    assert ids(search(con, "harbour strike")) == ["a", "b", "c"]


def test_compaction_in_parts_sorts_by_term_and_keeps_the_ranking(
    con: duckdb.DuckDBPyConnection,
) -> None:
    later = T0 + timedelta(hours=1)
    append_articles(con, [art("d", "Weather", "Snow replaces the rain.")], seen_at=later)
    refresh(con)
    before = search(con, "harbour strike snow")
    live = con.execute(
        "SELECT count(*) FROM search_postings p JOIN search_docs d USING (doc) WHERE d.live"
    ).fetchone()[0]
    assert compact_index(con, postings_per_part=5) > 1
    assert search(con, "harbour strike snow") == before
    rows = con.execute("SELECT term, doc FROM search_postings ORDER BY rowid").fetchall()
    assert len(rows) == live and rows == sorted(rows)
    assert con.execute("SELECT count(*) FROM search_docs WHERE NOT live").fetchone()[0] == 0
    with pytest.raises(ValueError, match="postings_per_part"):
        compact_index(con, postings_per_part=0)


def _row_groups(con: duckdb.DuckDBPyConnection, table: str) -> int:
    row = con.execute(
        f"SELECT count(DISTINCT row_group_id) FROM pragma_storage_info('{table}')"
    ).fetchone()
    return int(row[0]) if row else 0


def test_the_refresh_writes_postings_in_large_row_groups(tmp_path: Path) -> None:
    # Every open of the file reads each row group's metadata: the postings, ~180 an article,
    # must not be cut into the small groups that the article appends use.
    wh = Warehouse(tmp_path / "w.duckdb")
    words = [f"word{i}" for i in range(400)]
    articles = [
        Article(id=f"{i:016x}", title=f"Title {i}", text=f"Title {i}\n\n" + " ".join(words[i:]))
        for i in range(16)
    ]
    with wh.connection() as con:
        append_articles(con, articles, seen_at=T0)
    refresh_warehouse(wh)
    with wh.connection() as con:
        postings = con.execute("SELECT count(*) FROM search_postings").fetchone()[0]
        assert postings > 3 * wh.settings.row_group_size  # small groups would need several
        assert _row_groups(con, "search_postings") == 1
        assert search(con, "word7")
