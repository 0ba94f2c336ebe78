"""The scrape and reparse flows, run for real on a Prefect API against the demo site on loopback:
warehouse rows, the runs table, the task per batch and the `scrape-summary` artifact read back.
"""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import Any

import duckdb
import pytest

from flows.reparse import SUMMARY_KEY as REPARSE_KEY
from flows.reparse import reparse
from flows.scrape import SUMMARY_KEY, scrape
from flows.scrape_params import FollowLinks, LimitParams, SourceParams
from ingest.testing import loopback_only
from ingest.testing.newsite import PUBLICATIONS, DemoSite
from tests.flows.test_backfill_flow import _artifact_rows

pytestmark = [pytest.mark.prefect, pytest.mark.usefixtures("prefect_api")]

# Everything but 127.0.0.0/8 is refused, whatever the flow does with its sources.
LOOPBACK_ONLY = [str(network) for network in loopback_only()]


def _sql(path: Path, query: str) -> list[tuple[object, ...]]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(query).fetchall()
    finally:
        con.close()


async def _task_run_names(flow_run_id: object) -> list[str]:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    async with get_client() as client:
        runs = await client.read_task_runs(
            flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[flow_run_id]))
        )
    return sorted(run.name for run in runs)


def _follow(demo_site: DemoSite) -> FollowLinks:
    """Links to the section pages and on to the one article no feed or sitemap lists; the real
    pages' chrome links to hundreds of paths the demo site does not serve."""
    sections = [f"{demo_site.base_url}/{p.slug}/{s}/" for p in PUBLICATIONS[:2] for s in p.sections]
    unlisted = [a.url for a in demo_site.articles if not a.listed]
    return FollowLinks(max_depth=2, include=[f"^{re.escape(u)}$" for u in sections + unlisted])


def _scrape(sources: SourceParams, warehouse: Path, limits: LimitParams, **more: Any) -> Any:
    """The flow on loopback only: what a test changes is the sources and the limits."""
    return asyncio.run(
        scrape(
            sources=sources,
            limits=limits,
            warehouse=str(warehouse),
            allow_private_addresses=True,
            forbidden_networks=LOOPBACK_ONLY,
            **more,
        )
    )


def _run(demo_site: DemoSite, warehouse: Path, **limits: Any) -> dict[str, Any]:
    everything = SourceParams(
        feeds=list(demo_site.feeds),
        robots_sitemaps=[demo_site.base_url],
        urls=list(demo_site.front_pages),
        follow_links=_follow(demo_site),
    )
    return _scrape(everything, warehouse, LimitParams(**limits))


def test_scrape_flow_stores_the_site_and_publishes_its_summary(
    demo_site: DemoSite, tmp_path: Path
) -> None:
    warehouse = tmp_path / "flow.duckdb"
    summary = _run(demo_site, warehouse, batch_size=10)

    urls = {row[0] for row in _sql(warehouse, "SELECT url FROM articles")}
    assert {a.url for a in demo_site.articles} <= urls
    assert summary["new"] == len(urls) and summary["stopped"] == "no_work"
    assert _sql(warehouse, "SELECT count(*) FROM search_docs") == [(len(urls),)]
    runs = _sql(warehouse, "SELECT run_id, kind, status, stats->>'$.new' FROM runs")
    assert runs == [(summary["run_id"], "scrape", "completed", str(len(urls)))]

    rows = asyncio.run(_artifact_rows(SUMMARY_KEY))
    assert rows[-1]["domain"] == "(all)" and rows[-1]["new"] == len(urls)
    assert rows[-1]["urls"] == summary["fetched"] and rows[-1]["p95_ms"] is not None
    assert rows[-1]["outcome:http_error"] >= 1  # the withdrawn page
    assert rows[-1]["outcome:unsupported_content_type"] == 1  # the JSON one
    assert summary["failed"] == rows[-1]["urls"] - rows[-1]["outcome:ok"] > 0
    assert all(row.keys() == rows[-1].keys() for row in rows)
    assert sum(row["new"] for row in rows[:-1]) == len(urls)

    again = _run(demo_site, warehouse)
    assert again["fetched"] == 0 and again["new"] == 0
    assert _sql(warehouse, "SELECT count(*) FROM articles") == [(len(urls),)]

    figures = reparse(warehouse=str(warehouse), workers=0)
    assert figures["unchanged"] == len(urls) and figures["new"] == figures["changed"] == 0
    versions = _sql(warehouse, "SELECT DISTINCT parser_version FROM articles")
    assert versions == [(figures["parser_version"],)]
    shown = {row["item"]: row["value"] for row in asyncio.run(_artifact_rows(REPARSE_KEY))}
    assert shown["pages"] == figures["pages"] >= len(urls)


def test_max_pages_stops_the_run_and_each_batch_is_one_task(
    demo_site: DemoSite, tmp_path: Path
) -> None:
    warehouse = tmp_path / "limited.duckdb"
    feeds, limits = (
        SourceParams(feeds=list(demo_site.feeds)),
        LimitParams(batch_size=3, max_pages=7),
    )
    state = _scrape(feeds, warehouse, limits, return_state=True)
    summary = state.result()
    assert summary["fetched"] == 7 and summary["stopped"] == "max_pages"
    names = asyncio.run(_task_run_names(state.state_details.flow_run_id))
    batches = [f"batch-{n}" for n in (1, 2, 3)]
    assert names == sorted(["discover", *batches, "refresh-derived"])
    pending = _sql(warehouse, "SELECT count(*) FROM frontier WHERE state = 'pending'")
    assert pending[0][0] > 0  # the rest waits for the next run


def test_a_used_up_time_budget_leaves_the_frontier_for_the_next_run(
    demo_site: DemoSite, tmp_path: Path
) -> None:
    warehouse = tmp_path / "budget.duckdb"
    feeds = SourceParams(feeds=list(demo_site.feeds))
    summary = _scrape(feeds, warehouse, LimitParams(time_budget_s=0.001))  # spent by discovery
    assert summary["stopped"] == "time_budget" and summary["fetched"] == 0
    assert summary["discovered"] > 0
    pending = _sql(warehouse, "SELECT count(*) FROM frontier WHERE state = 'pending'")
    assert pending == [(summary["discovered"],)]


def test_a_misspelt_parameter_fails_before_anything_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from prefect.exceptions import ParameterTypeError

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("NEWSDESK_WAREHOUSE", raising=False)
    with pytest.raises(ParameterTypeError, match="feed"):
        asyncio.run(scrape(sources={"feed": ["http://127.0.0.1:9/rss.xml"]}))  # type: ignore[arg-type]
    assert not (tmp_path / "newsdesk.duckdb").exists()
