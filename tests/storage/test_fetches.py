"""The fetches table: bodies in Parquet files named by their rows (and, in warehouses written
before those, compressed in the table), the latest stored page of each URL read back for
re-parsing, and appends that share the caller's transaction."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from ingest.article import Article
from storage.articles import append_articles_in_transaction
from storage.fetches import (
    FetchRow,
    compress_body,
    insert_fetches,
    load_pages,
    stored_page_urls,
)
from storage.warehouse import Warehouse

T0 = datetime(2026, 1, 1, tzinfo=UTC)
HTML = "<html><body><p>Körper</p></body></html>".encode()


@pytest.fixture
def warehouse(tmp_path: Path) -> Warehouse:
    return Warehouse(tmp_path / "f.duckdb")


@pytest.fixture
def con(warehouse: Warehouse) -> Iterator[duckdb.DuckDBPyConnection]:
    with warehouse.connection() as connection:
        yield connection


def row(url: str, minutes: int, *, outcome: str = "ok", body: bytes | None = HTML) -> FetchRow:
    return FetchRow(
        fetch_id=f"{url}@{minutes}",
        url=url,
        outcome=outcome,
        started_at=T0 + timedelta(minutes=minutes),
        content_type="text/html; charset=utf-8",
        headers={"content-type": "text/html; charset=utf-8"},
        bytes=len(body or b""),
        body=body,
    )


def test_bodies_go_to_one_compressed_parquet_file_and_are_read_back_whole(
    con, warehouse: Warehouse
) -> None:
    big = HTML * 500
    rows = [row("http://a.example/1", 0, body=big), row("http://a.example/2", 0)]
    insert_fetches(
        con,
        [*rows, row("http://a.example/3", 0, outcome="timeout", body=None)],
        bodies=warehouse.bodies,
    )
    stored = con.execute(
        "SELECT body_file, body IS NULL, bytes, headers->>'content-type' FROM fetches ORDER BY url"
    ).fetchall()
    assert [s[0] is None for s in stored] == [False, False, True]
    assert stored[0][0] == stored[1][0] and all(s[1] for s in stored)
    assert stored[0][2:] == (len(big), "text/html; charset=utf-8")
    [file] = list(warehouse.bodies.rglob("*.parquet"))
    assert file.relative_to(warehouse.bodies).as_posix() == stored[0][0]
    assert file.parent.name.startswith("fetch_date=") and file.stat().st_size < len(big) / 10
    pages = load_pages(
        con, ["http://a.example/1@0", "http://a.example/2@0"], bodies=warehouse.bodies
    )
    assert [p.body for p in pages] == [big, HTML] and pages[0].missing is None


def test_rows_of_older_warehouses_keep_their_bodies_in_the_table(con, warehouse) -> None:
    con.execute(
        "INSERT INTO fetches (fetch_id, url, kind, outcome, started_at, content_type, body) "
        "VALUES ('old', 'http://a.example/old', 'article', 'ok', ?, 'text/html', ?)",
        [T0, compress_body(HTML)],
    )
    insert_fetches(con, [row("http://a.example/new", 0)], bodies=warehouse.bodies)
    keys = stored_page_urls(con, after=None, limit=10)
    assert keys == [
        ("http://a.example/new", "http://a.example/new@0"),
        ("http://a.example/old", "old"),
    ]
    pages = load_pages(con, [k[1] for k in keys], bodies=warehouse.bodies)
    assert [p.body for p in pages] == [HTML, HTML]


def test_a_missing_body_file_is_named_not_fatal(con, warehouse) -> None:
    insert_fetches(con, [row("http://a.example/1", 0)], bodies=warehouse.bodies)
    for file in warehouse.bodies.rglob("*.parquet"):
        file.unlink()
    [page] = load_pages(con, ["http://a.example/1@0"], bodies=warehouse.bodies)
    assert page.body is None and page.missing and "cannot read stored page bodies" in page.missing


def test_rows_with_bodies_need_a_body_folder(con) -> None:
    with pytest.raises(ValueError, match="no body folder"):
        insert_fetches(con, [row("http://a.example/1", 0)])


def test_a_failed_insert_leaves_no_body_file(con, warehouse) -> None:
    insert_fetches(con, [row("http://a.example/1", 0)], bodies=warehouse.bodies)
    with pytest.raises(duckdb.ConstraintException):  # the same fetch id twice
        insert_fetches(con, [row("http://a.example/1", 0)], bodies=warehouse.bodies)
    assert len(list(warehouse.bodies.rglob("*"))) == 2  # one date folder, one file


def test_only_the_latest_ok_fetch_of_each_url_is_reparsed(con, warehouse) -> None:
    insert_fetches(
        con,
        [
            row("http://a.example/1", 0),
            row("http://a.example/1", 5),
            row("http://a.example/1", 9, outcome="not_modified", body=None),
            row("http://a.example/2", 1, outcome="http_error", body=None),
            row("http://a.example/3", 2),
        ],
        bodies=warehouse.bodies,
    )
    first = stored_page_urls(con, after=None, limit=1)
    assert first == [("http://a.example/1", "http://a.example/1@5")]
    rest = stored_page_urls(con, after=first[-1][0], limit=10)
    assert rest == [("http://a.example/3", "http://a.example/3@2")]


def test_appends_roll_back_with_the_callers_transaction(con, warehouse) -> None:
    article = Article(id="0123456789abcdef", text="Headline\n\nBody.")
    con.execute("BEGIN TRANSACTION")
    insert_fetches(con, [row("http://a.example/1", 0)], bodies=warehouse.bodies)
    result = append_articles_in_transaction(con, [article], seen_at=T0, run_id="r")
    assert result.new == 1
    con.execute("ROLLBACK")
    counts = con.execute(
        "SELECT (SELECT count(*) FROM fetches), (SELECT count(*) FROM articles)"
    ).fetchone()
    assert counts == (0, 0)
