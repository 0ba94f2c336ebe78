"""A scrape killed with SIGKILL mid-run is resumed by the next run: nothing stored is fetched
again and no row is duplicated (the server's request log is the witness)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

from ingest.pipeline import Sources, run_scrape
from ingest.testing import LocalServer
from ingest.testing.newsite import synthetic_pages
from tests.pipeline.conftest import scrape_settings

PAGES, BATCH = 200, 20
_CHILD = """
import asyncio, sys
from ingest.pipeline import Sources, run_scrape
from storage.warehouse import Warehouse
from tests.pipeline.conftest import scrape_settings

if __name__ == "__main__":
    sources = Sources(urls_files=(sys.argv[1],))
    settings = scrape_settings(batch_size=int(sys.argv[3]))
    asyncio.run(run_scrape(sources, settings, Warehouse(sys.argv[2])))
"""
ROOT = Path(__file__).resolve().parents[2]


def _start_child(urls_file: Path, db: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    args = [sys.executable, "-c", _CHILD, str(urls_file), str(db), str(BATCH)]
    return subprocess.Popen(args, cwd=ROOT, env=env, stderr=subprocess.PIPE)


def _kill_after(child: subprocess.Popen[bytes], server: LocalServer, requests: int) -> None:
    """SIGKILL once `requests` pages were asked for (batch 1 is committed by then)."""
    deadline = time.monotonic() + 120
    while len(server.requests) < requests:
        if child.poll() is not None:
            raise AssertionError(f"the scrape ended before it was killed: {child.stderr.read()!r}")
        if time.monotonic() > deadline:
            child.kill()
            raise AssertionError("the scrape made no progress in 120 s")
        time.sleep(0.01)
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=30)


async def test_a_killed_run_is_resumed_without_refetching_or_duplicates(
    local_server: LocalServer, warehouse, sql, tmp_path: Path
) -> None:
    urls = [local_server.add(p.path, p.body) for p in synthetic_pages(PAGES, local_server.base_url)]
    urls_file = tmp_path / "urls.txt"
    urls_file.write_text("\n".join(urls))
    _kill_after(_start_child(urls_file, warehouse.path), local_server, 2 * BATCH + 10)
    [(killed_run,)] = sql("SELECT run_id FROM runs WHERE status = 'running'")
    stored_first = {u for (u,) in sql("SELECT url FROM fetches WHERE run_id = ?", killed_run)}
    assert len(stored_first) >= BATCH  # the test means something only if a batch got in

    resumed = await run_scrape(Sources(urls_files=(str(urls_file),)), scrape_settings(), warehouse)

    hits = Counter(urlsplit(r.target).path for r in local_server.requests)
    assert all(hits[urlsplit(u).path] == 1 for u in stored_first)
    # robots.txt is asked for again by every run (a new process has no robots cache).
    refetched = [path for path, n in hits.items() if n > 1 and path != "/robots.txt"]
    # At most the batches in flight when it was killed: one being written, one being fetched.
    assert len(refetched) <= 2 * BATCH
    assert resumed.pages.fetched == PAGES - len(stored_first)
    assert sql("SELECT count(*), count(DISTINCT id) FROM articles") == [(PAGES, PAGES)]
    assert sql("SELECT count(*), count(DISTINCT url) FROM fetches") == [(PAGES, PAGES)]
    assert sql("SELECT state, count(*) FROM frontier GROUP BY state") == [("done", PAGES)]
