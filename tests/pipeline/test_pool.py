"""Extraction processes: a worker that dies costs its own jobs, and the next batch gets a fresh
pool instead of a broken one."""

from __future__ import annotations

import os
from concurrent.futures.process import BrokenProcessPool

import pytest

from ingest.pipeline._pool import PageWorkers
from ingest.pipeline._work import PageJob, work_all


async def test_a_dead_worker_is_replaced_for_the_next_jobs() -> None:
    workers = PageWorkers(1)
    with pytest.raises(BrokenProcessPool):
        await workers.run(os._exit, 3)
    job = PageJob(
        url="http://example.invalid/a",
        html="<html><body><h1>Title</h1><p>A paragraph long enough to count as text.</p>",
        layout="spaced",
        source="list",
        fetch_id="f1",
    )
    [result] = await PageWorkers(1).run(work_all, [job])
    assert result.article is not None and result.article.title == "Title"
