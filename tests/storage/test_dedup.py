"""Duplicates: exact copies, near copies across URLs and sites, and different stories kept apart."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import numpy as np
import pytest

from ingest.article import Article
from storage.articles import append_articles
from storage.dedup import THRESHOLD, hamming, shingle_hashes, simhashes
from storage.derived import RefreshReport, refresh
from storage.warehouse import Warehouse

SEEDS = Path(__file__).resolve().parents[2] / "seeds"
T0 = datetime(2026, 1, 1, tzinfo=UTC)


def seed(number: int) -> str:
    (path,) = SEEDS.glob(f"{number:03d}_*.txt")
    return path.read_text(encoding="utf-8")


def art(key: str, text: str, domain: str = "a.test") -> Article:
    return Article(id=key.ljust(16, "0"), text=text, domain=domain, url=f"https://{domain}/{key}")


@pytest.fixture
def con(tmp_path: Path) -> duckdb.DuckDBPyConnection:
    with Warehouse(tmp_path / "w.duckdb").connection() as connection:
        yield connection


def append(con: duckdb.DuckDBPyConnection, batch: list[Article], *, seen_at: datetime) -> None:
    """An append followed by the refresh that ends every run."""
    append_articles(con, batch, seen_at=seen_at)
    refresh(con)


def marks(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[str | None, str | None]]:
    rows = con.execute(
        "SELECT id, duplicate_of, duplicate_kind FROM latest_articles ORDER BY id"
    ).fetchall()
    return {r[0][:4]: (r[1][:4] if r[1] else None, r[2]) for r in rows}


def simhash_of(con: duckdb.DuckDBPyConnection, key: str) -> int:
    return con.execute(
        "SELECT simhash FROM latest_articles WHERE id = ?", [key.ljust(16, "0")]
    ).fetchone()[0]


def test_seeds_001_and_002_are_different_articles(con: duckdb.DuckDBPyConnection) -> None:
    append(con, [art("0001", seed(1)), art("0002", seed(2), "b.test")], seen_at=T0)
    assert marks(con) == {"0001": (None, None), "0002": (None, None)}
    assert hamming(simhash_of(con, "0001"), simhash_of(con, "0002")) > 3 * THRESHOLD


def test_seed_002_with_new_headline_and_boilerplate_is_a_near_copy(
    con: duckdb.DuckDBPyConnection,
) -> None:
    lines = seed(2).split("\n")
    copy = "\n".join(
        ["Kim Jong Un Stands With Moscow as Belousov Visits", *lines[1:],
         "Follow us on social media for more news like this."]
    )
    append(con, [art("0002", seed(2))], seen_at=T0)
    append(con, [art("c002", copy, "copy.test")], seen_at=T0 + timedelta(hours=1))
    assert marks(con)["c002"] == ("0002", "near")
    distance = con.execute(
        "SELECT duplicate_distance FROM latest_articles WHERE duplicate_of IS NOT NULL"
    ).fetchone()[0]
    assert 0 < distance <= THRESHOLD


def test_wire_story_on_several_sites_points_at_the_earliest_copy(
    con: duckdb.DuckDBPyConnection,
) -> None:
    story = seed(4)
    sites = ["wire.test", "one.test", "two.test", "three.test"]
    append(con, [art("w000", story, sites[0])], seen_at=T0)
    # The later copies arrive together, each with its own site line.
    copies = [
        art(f"w{i:03d}", f"{story}\n\nRead more on {site}.", site)
        for i, site in enumerate(sites[1:], start=1)
    ]
    append(con, copies, seen_at=T0 + timedelta(hours=2))
    assert marks(con) == {
        "w000": (None, None),
        "w001": ("w000", "near"),
        "w002": ("w000", "near"),
        "w003": ("w000", "near"),
    }
    groups = con.execute("SELECT original_id, copies, copy_domains FROM duplicate_groups")
    assert groups.fetchall() == [("w000".ljust(16, "0"), 3, sorted(sites[1:]))]


def test_copies_inside_one_batch_point_at_the_first(con: duckdb.DuckDBPyConnection) -> None:
    story = seed(1)
    batch = [art("b001", story), art("b002", story, "x.test"), art("b003", story + "\n\nAds.")]
    append(con, batch, seen_at=T0)
    assert marks(con) == {
        "b001": (None, None),
        "b002": ("b001", "exact"),
        "b003": ("b001", "near"),
    }


def test_exact_copy_of_a_copy_points_at_the_original(con: duckdb.DuckDBPyConnection) -> None:
    story = seed(3)
    append(con, [art("e001", story)], seen_at=T0)
    append(con, [art("e002", story + "\n\nShare this.")], seen_at=T0 + timedelta(1))
    append(con, [art("e003", story + "\n\nShare this.")], seen_at=T0 + timedelta(2))
    assert marks(con)["e003"] == ("e001", "exact")


def test_an_article_is_not_a_copy_of_its_own_older_version(
    con: duckdb.DuckDBPyConnection,
) -> None:
    append(con, [art("v001", seed(1))], seen_at=T0)
    append(con, [art("v001", seed(1) + "\n\nUpdated.")], seen_at=T0 + timedelta(1))
    rows = con.execute("SELECT version, duplicate_of FROM articles ORDER BY version").fetchall()
    assert rows == [(1, None), (2, None)]


def test_empty_text_gets_no_simhash_and_no_duplicate(con: duckdb.DuckDBPyConnection) -> None:
    append(con, [art("n001", ""), art("n002", "")], seen_at=T0)
    rows = con.execute("SELECT simhash, duplicate_kind FROM articles ORDER BY id").fetchall()
    # Same (empty) text is still the same text; there is just nothing to compare nearly.
    assert rows == [(None, None), (None, "exact")]


def test_shingles_stay_inside_their_document() -> None:
    words = np.arange(1, 8, dtype=np.uint64)  # docs: [1 2 3 4] [5] [] [6 7]
    offsets = np.array([0, 4, 5, 5, 7])
    hashes, out_offsets = shingle_hashes(words, offsets)
    assert out_offsets.tolist() == [0, 2, 3, 3, 4]
    alone, _ = shingle_hashes(np.array([6, 7], dtype=np.uint64), np.array([0, 2]))
    assert hashes[3] == alone[0]
    first_two, _ = shingle_hashes(words[:4], np.array([0, 4]))
    assert hashes[:2].tolist() == first_two.tolist()


def test_simhash_is_the_majority_of_feature_bits() -> None:
    features = np.array([0b1011, 0b0011, 0b0110, 1 << 63, 1 << 63], dtype=np.uint64)
    hashes, has_text = simhashes(features, np.array([0, 3, 5, 5]))
    assert hashes.tolist() == [0b0011, 1 << 63, 0]
    assert has_text.tolist() == [True, True, False]


def test_an_append_leaves_rows_underived_until_one_refresh_derives_them(
    con: duckdb.DuckDBPyConnection,
) -> None:
    story = seed(4)
    append_articles(con, [art("u002", story, "b.test")], seen_at=T0 + timedelta(hours=1))
    append_articles(con, [art("u001", story), art("u003", "Another story.")], seen_at=T0)
    underived = "SELECT count(*) FROM articles WHERE simhash IS NULL"
    assert con.execute(underived).fetchone()[0] == 3
    assert con.execute("SELECT count(*) FROM search_docs").fetchone()[0] == 0
    # Two chunks: the copy seen later is marked whichever chunk its original falls in.
    assert refresh(con, chunk=2) == RefreshReport(indexed=3, deduplicated=1)
    assert marks(con) == {"u001": (None, None), "u002": ("u001", "exact"), "u003": (None, None)}
    assert con.execute(underived).fetchone()[0] == 0
    docs = "SELECT count(*), count(DISTINCT id) FROM search_docs"
    assert con.execute(docs).fetchone() == (3, 3)
    postings = con.execute("SELECT count(*) FROM search_postings").fetchone()[0]
    assert refresh(con) == RefreshReport()
    assert con.execute(docs).fetchone() == (3, 3)
    assert con.execute("SELECT count(*) FROM search_postings").fetchone()[0] == postings


def test_an_underived_later_copy_is_not_taken_for_the_original(
    con: duckdb.DuckDBPyConnection,
) -> None:
    story = seed(0)
    append(con, [art("o001", "Unrelated text for the first chunk.")], seen_at=T0)
    append_articles(con, [art("o003", story, "c.test")], seen_at=T0 + timedelta(2))
    append_articles(con, [art("o002", story, "b.test")], seen_at=T0 + timedelta(1))
    # One article per chunk: o002 is derived while o003 (same text, seen later) is not yet.
    refresh(con, chunk=1)
    assert marks(con)["o002"] == (None, None)
    assert marks(con)["o003"] == ("o002", "exact")
