"""The frontier table: idempotent inserts, what a claim takes (due, hosts interleaved, not twice
in one run), and what an update moves."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from ingest.discover import DiscoveredURL
from storage.frontier import FrontierUpdate, add_urls, apply_updates, claim, count_states
from storage.runs import start_run
from storage.warehouse import Warehouse

T0 = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture
def con(tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    with Warehouse(tmp_path / "f.duckdb").connection() as connection:
        yield connection


def found(*urls: str, title: str | None = None, depth: int = 0) -> list[DiscoveredURL]:
    return [DiscoveredURL(url=u, source="list", title=title, depth=depth) for u in urls]


def test_a_url_found_twice_is_one_row_and_keeps_what_came_first(con) -> None:
    assert add_urls(con, found("http://a.example/1", title="first"), now=T0) == 1
    again = found("http://a.example/1", "http://a.example/1", "http://a.example/2", title="x")
    assert add_urls(con, again, now=T0 + timedelta(hours=1)) == 1
    rows = con.execute("SELECT url, title, discovered_at FROM frontier ORDER BY url").fetchall()
    assert rows == [
        ("http://a.example/1", "first", T0),
        ("http://a.example/2", "x", T0 + timedelta(hours=1)),
    ]


def test_a_limit_caps_the_new_rows_only(con) -> None:
    add_urls(con, found("http://a.example/1"), now=T0)
    urls = [f"http://a.example/{n}" for n in range(1, 6)]
    assert add_urls(con, found(*urls), now=T0, limit=2) == 2
    assert add_urls(con, found(*urls), now=T0, limit=0) == 0
    assert count_states(con, now=T0)["pending"] == 3


def test_a_claim_interleaves_hosts(con) -> None:
    urls = [f"http://{host}.example/{n}" for host in "ab" for n in range(3)]
    add_urls(con, found(*urls), now=T0)
    batch = [item.domain for item in claim(con, limit=4, now=T0)]
    assert sorted(batch) == ["a.example", "a.example", "b.example", "b.example"]


def _update(url: str, state: str, outcome: str, due: datetime | None) -> FrontierUpdate:
    return FrontierUpdate(
        url=url, state=state, outcome=outcome, attempted_at=T0, next_attempt_at=due
    )  # type: ignore[arg-type]


def test_only_due_work_is_claimed(con) -> None:
    urls = [f"http://a.example/{n}" for n in range(5)]
    add_urls(con, found(*urls), now=T0)
    apply_updates(
        con,
        [
            _update(urls[0], "done", "ok", None),  # finished for good
            _update(urls[1], "failed", "http_error", None),  # final failure
            _update(urls[2], "failed", "timeout", T0 + timedelta(hours=1)),  # retry later
            _update(urls[3], "done", "ok", T0 - timedelta(seconds=1)),  # revisit due
        ],
    )
    claimed = {item.url: item.attempts for item in claim(con, limit=10, now=T0)}
    assert claimed == {urls[3]: 1, urls[4]: 0}
    later = {item.url for item in claim(con, limit=10, now=T0 + timedelta(hours=2))}
    assert later == {urls[2], urls[3], urls[4]}
    assert {i.url for i in claim(con, limit=10, now=T0, exclude=[urls[4]])} == {urls[3]}


def test_a_run_never_claims_what_it_already_attempted(con) -> None:
    url = "http://a.example/1"
    add_urls(con, found(url), now=T0)
    run_id = start_run(con, "scrape")
    attempted = FrontierUpdate(
        url=url,
        state="failed",
        outcome="timeout",
        attempted_at=datetime.now(UTC),
        next_attempt_at=datetime.now(UTC) - timedelta(seconds=1),
    )
    apply_updates(con, [attempted])
    now = datetime.now(UTC)
    assert claim(con, limit=5, now=now, run_id=run_id) == []
    assert [i.url for i in claim(con, limit=5, now=now, run_id="another run")] == [url]


def test_an_update_counts_the_attempt_and_keeps_known_validators(con) -> None:
    url = "http://a.example/1"
    add_urls(con, found(url), now=T0)
    first = FrontierUpdate(
        url=url, state="done", outcome="ok", attempted_at=T0, etag='"v1"', article_id="abc"
    )
    apply_updates(con, [first])
    apply_updates(
        con, [FrontierUpdate(url=url, state="done", outcome="not_modified", attempted_at=T0)]
    )
    row = con.execute("SELECT attempts, etag, article_id, outcome FROM frontier").fetchone()
    assert row == (2, '"v1"', "abc", "not_modified")
