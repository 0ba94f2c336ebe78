"""The fetches table: rows with compressed bodies, the latest stored page of each URL read back
for re-parsing, and appends that share the caller's transaction."""

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
def con(tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    with Warehouse(tmp_path / "f.duckdb").connection() as connection:
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
        body=compress_body(body) if body is not None else None,
    )


def test_bodies_are_stored_compressed_and_read_back_whole(con) -> None:
    big = HTML * 500
    insert_fetches(con, [row("http://a.example/1", 0, body=big)])
    stored = con.execute(
        "SELECT octet_length(body), bytes, headers->>'content-type' FROM fetches"
    ).fetchone()
    assert stored[0] < len(big) / 10 and stored[1] == len(big)
    assert stored[2] == "text/html; charset=utf-8"
    [page] = load_pages(con, ["http://a.example/1@0"])
    assert page.body == big and page.content_type == "text/html; charset=utf-8"


def test_only_the_latest_ok_fetch_of_each_url_is_reparsed(con) -> None:
    insert_fetches(
        con,
        [
            row("http://a.example/1", 0),
            row("http://a.example/1", 5),
            row("http://a.example/1", 9, outcome="not_modified", body=None),
            row("http://a.example/2", 1, outcome="http_error", body=None),
            row("http://a.example/3", 2),
        ],
    )
    first = stored_page_urls(con, after=None, limit=1)
    assert first == [("http://a.example/1", "http://a.example/1@5")]
    rest = stored_page_urls(con, after=first[-1][0], limit=10)
    assert rest == [("http://a.example/3", "http://a.example/3@2")]


def test_appends_roll_back_with_the_callers_transaction(con) -> None:
    article = Article(id="0123456789abcdef", text="Headline\n\nBody.")
    con.execute("BEGIN TRANSACTION")
    insert_fetches(con, [row("http://a.example/1", 0)])
    result = append_articles_in_transaction(con, [article], seen_at=T0, run_id="r")
    assert result.new == 1
    con.execute("ROLLBACK")
    counts = con.execute(
        "SELECT (SELECT count(*) FROM fetches), (SELECT count(*) FROM articles)"
    ).fetchone()
    assert counts == (0, 0)
