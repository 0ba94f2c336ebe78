"""Re-parsing stored fetches: no network at all (the server is stopped first), a new article
version only where the text changed, and the parser version on every row."""

from __future__ import annotations

from collections.abc import Callable

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from ingest.normalize import PARSER_VERSION
from ingest.pipeline import Sources, reparse_all, run_scrape
from ingest.testing import LocalServer
from ingest.testing.newsite import build_site
from storage.warehouse import Warehouse
from tests.pipeline.conftest import scrape_settings


async def _scrape_then_stop(warehouse) -> int:
    with LocalServer() as server:
        site = build_site(server.base_url, n_sites=1, extra_pages=2)
        server.add_many(site.routes)
        report = await run_scrape(Sources(feeds=site.feeds), scrape_settings(), warehouse)
    return report.pages.totals.new


def _stored(warehouse: Warehouse, n: int) -> list[tuple[str, str, str]]:
    """(fetch_id, url, body file) of the first `n` stored article pages by URL."""
    con = duckdb.connect(str(warehouse.path), read_only=True)
    try:
        return con.execute(
            "SELECT fetch_id, url, body_file FROM fetches WHERE article_id IS NOT NULL "
            "ORDER BY url LIMIT ?",
            [n],
        ).fetchall()
    finally:
        con.close()


def _rewrite_body(
    warehouse: Warehouse, fetch_id: str, file: str, edit: Callable[[str], str]
) -> None:
    """Change one stored page in its body file, as a site would have changed it."""
    path = warehouse.bodies / file
    table = pq.read_table(path)
    bodies = [
        edit(body.decode()).encode() if fid == fetch_id else body
        for fid, body in zip(
            table.column("fetch_id").to_pylist(), table.column("body").to_pylist(), strict=True
        )
    ]
    column = table.schema.get_field_index("body")
    pq.write_table(table.set_column(column, "body", pa.array(bodies, pa.binary())), path)


def _add_sentence(html: str) -> str:
    paragraph = html.index("<p>") + len("<p>")
    return html[:paragraph] + "A sentence the editor added. " + html[paragraph:]


def _edit_one_body(warehouse: Warehouse) -> str:
    """Change one stored page the way a site would (a sentence rewritten); returns its URL."""
    [(fetch_id, url, file)] = _stored(warehouse, 1)
    _rewrite_body(warehouse, fetch_id, file, _add_sentence)
    return url


async def test_reparse_needs_no_network_and_versions_only_changed_texts(warehouse, sql) -> None:
    stored = await _scrape_then_stop(warehouse)
    assert stored > 0
    first = reparse_all(warehouse, batch_size=3, workers=0)
    assert (first.pages, first.unchanged, first.new, first.changed) == (stored, stored, 0, 0)
    edited = _edit_one_body(warehouse)
    second = reparse_all(warehouse, batch_size=3, workers=0)
    assert (second.pages, second.changed, second.unchanged) == (stored, 1, stored - 1)
    versions = sql("SELECT url, max(version) FROM articles GROUP BY url")
    assert {url: v for url, v in versions if v > 1} == {edited: 2}
    current = sql("SELECT text FROM articles WHERE url = ? AND valid_to IS NULL", edited)
    assert "A sentence the editor added." in current[0][0]
    assert sql("SELECT DISTINCT parser_version FROM articles") == [(PARSER_VERSION,)]
    runs = sql("SELECT kind, status FROM runs WHERE kind = 'reparse'")
    assert runs == [("reparse", "completed")] * 2


async def test_reparse_in_worker_processes_gives_the_same_articles(warehouse, sql) -> None:
    stored = await _scrape_then_stop(warehouse)
    report = reparse_all(warehouse, workers=1)
    assert (report.pages, report.unchanged, report.failed) == (stored, stored, 0)


async def test_reparse_moves_frontier_states_to_what_the_pages_give_now(warehouse, sql) -> None:
    await _scrape_then_stop(warehouse)
    (empty_id, emptied, file), (_, revived, _) = _stored(warehouse, 2)
    # One page lost its text since (the extractor would now find none); another had been
    # marked as failing extraction by an older parser; a third's last fetch failed later.
    _rewrite_body(warehouse, empty_id, file, lambda html: "<html><body></body></html>")
    con = duckdb.connect(str(warehouse.path))
    try:
        con.execute(
            "UPDATE frontier SET state = 'failed', outcome = 'no_content' WHERE url = ?",
            [revived],
        )
        later = con.execute(
            "UPDATE frontier SET state = 'failed', outcome = 'timeout', "
            "next_attempt_at = now() WHERE url NOT IN (?, ?) AND state = 'done' "
            "RETURNING url",
            [emptied, revived],
        ).fetchall()[0][0]
    finally:
        con.close()
    report = reparse_all(warehouse, workers=0)
    assert report.failed == 1 and report.failures[0].url == emptied
    states = dict(
        (url, (state, outcome))
        for url, state, outcome in sql("SELECT url, state, outcome FROM frontier")
    )
    assert states[emptied] == ("failed", "no_content")
    assert states[revived] == ("done", "ok")
    assert states[later] == ("failed", "timeout")  # the retry stays scheduled


async def test_reparse_reports_a_page_whose_body_file_is_gone(warehouse, sql) -> None:
    stored = await _scrape_then_stop(warehouse)
    [(_, url, file)] = _stored(warehouse, 1)
    (warehouse.bodies / file).unlink()
    lost = sql("SELECT count(*) FROM fetches WHERE body_file = ?", file)[0][0]
    report = reparse_all(warehouse, workers=0)
    assert (report.pages, report.failed) == (stored, lost)
    assert {f.outcome for f in report.failures} == {"body_missing"}
    assert str(warehouse.bodies / file) in (report.failures[0].error or "")
    assert sql("SELECT state FROM frontier WHERE url = ?", url) == [("done",)]
