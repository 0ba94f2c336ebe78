"""Querying while a flow writes: reader processes loop over the warehouse during long writes.

The writer holds the file only for one short transaction per batch; readers (`newsdesk query`,
`newsdesk search`, read-only Python) wait out its lock. None may fail, and no row may be lost.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pytest

from ingest.pipeline import Sources, run_scrape
from ingest.testing import LocalServer
from ingest.testing.newsite import build_site
from storage.warehouse import Warehouse
from tests.pipeline.conftest import scrape_settings

ROOT = Path(__file__).resolve().parents[2]

# A writer like a flow's: many batches, one short connection and transaction each.
WRITER = """
import sys
from datetime import UTC, datetime
from ingest.article import Article
from storage.articles import append_articles
from storage.derived import refresh_warehouse
from storage.warehouse import Warehouse
path, batches, size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
wh = Warehouse(path)
for b in range(batches):
    arts = [Article(id=f"{b * size + i:016x}", title=f"Report {b} {i}",
                    text=f"Report {b} {i}\\n\\nHarbour news number {b * size + i} of the day.")
            for i in range(size)]
    with wh.connection() as con:
        append_articles(con, arts, seen_at=datetime.now(UTC))
    if b % 5 == 4:  # a run's end: duplicates and search postings caught up, in chunks
        refresh_warehouse(wh, chunk=40)
"""

# Readers: the CLI commands in-process (the same code as the `newsdesk` script) and plain
# read-only Python; each records what it saw and every failure, until the stop file appears.
READER = """
import json, os, sys, time
from flows.cli import app
from storage.warehouse import Warehouse
path, stop, kind = sys.argv[1], sys.argv[2], sys.argv[3]
seen, failures = [], []
first = True
while True:
    last = os.path.exists(stop)
    try:
        if kind == "python":
            with Warehouse(path, read_only=True).connection() as con:
                seen.append(con.execute("SELECT count(*) FROM latest_articles").fetchone()[0])
        else:
            args = ["-w", path, "query", "SELECT count(*) FROM latest_articles", "-f", "csv"]
            if kind == "search":
                args = ["-w", path, "search", "harbour news", "-f", "csv"]
            app(args, standalone_mode=False)
            seen.append(-1)
    except BaseException as exc:
        failures.append(f"{type(exc).__name__}: {exc}")
    if first:  # the writer starts once every reader is reading
        open(f"{stop}.{kind}.ready", "w").close()
        first = False
    if last:
        break
    time.sleep(0.1)  # a polling user, not a busy loop that would never let the writer in
print(json.dumps({"seen": seen, "failures": failures}))
"""


def _python(code: str, *args: object) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, "-c", code, *map(str, args)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@contextmanager
def readers(path: Path, stop: Path) -> Iterator[list[dict[str, list]]]:
    """Start the three kinds of reader; on exit, stop them and fill in what they saw."""
    Warehouse(path).open().close()  # the file exists before anyone reads it
    procs = {kind: _python(READER, path, stop, kind) for kind in ("python", "query", "search")}
    results: list[dict[str, list]] = []
    try:
        for kind, proc in procs.items():
            ready = Path(f"{stop}.{kind}.ready")
            while not ready.exists() and proc.poll() is None:
                time.sleep(0.05)
        yield results
    finally:
        stop.touch()
        for kind, proc in procs.items():
            out, err = proc.communicate(timeout=300)
            assert proc.returncode == 0, f"{kind} reader crashed: {err[-2000:]}"
            result = json.loads(out.strip().splitlines()[-1])
            results.append({"kind": kind, **result})


def check(results: list[dict[str, list]], *, at_least: int) -> None:
    for result in results:
        assert result["failures"] == [], result["kind"]
        assert len(result["seen"]) >= at_least, result["kind"]
    counts = next(r["seen"] for r in results if r["kind"] == "python")
    assert counts == sorted(counts)  # readers see whole batches, never a step back


def test_readers_never_fail_while_batches_are_appended(tmp_path: Path) -> None:
    path, batches, size = tmp_path / "w.duckdb", 30, 20
    with readers(path, tmp_path / "stop") as results:
        writer = _python(WRITER, path, batches, size)
        _, err = writer.communicate(timeout=600)
        assert writer.returncode == 0, err[-2000:]
    check(results, at_least=3)
    con = duckdb.connect(str(path), read_only=True)
    assert con.execute("SELECT count(*) FROM latest_articles").fetchone()[0] == batches * size
    assert con.execute("SELECT count(*) FROM search_docs").fetchone()[0] == batches * size
    con.close()


@pytest.mark.slow
async def test_readers_never_fail_during_a_10000_page_scrape(
    tmp_path: Path, local_server: LocalServer
) -> None:
    pages = int(os.environ.get("NEWSDESK_CONCURRENCY_PAGES", "10000"))
    site = build_site(local_server.base_url, n_sites=2, extra_pages=pages)
    local_server.add_many(site.routes)
    path = tmp_path / "w.duckdb"
    with readers(path, tmp_path / "stop") as results:
        report = await run_scrape(
            Sources(robots_sitemaps=(site.base_url,)),
            scrape_settings(batch_size=200),
            Warehouse(path),
        )
    check(results, at_least=3)
    con = duckdb.connect(str(path), read_only=True)
    stored = con.execute("SELECT count(*) FROM latest_articles").fetchone()[0]
    con.close()
    assert report.pages.fetched >= pages
    assert stored == report.pages.totals.new >= pages
