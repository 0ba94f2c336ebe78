"""`newsdesk scrape` and `newsdesk reparse` in-process, against the demo site on loopback and
real warehouse files: what is stored, what is printed, and the exit codes.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from flows.cli import app
from flows.cli_scrape import EXIT_ERROR, EXIT_OK, EXIT_SOME_FAILED, LiveCounts
from ingest.pipeline import Progress
from ingest.testing import LocalServer, loopback_only
from ingest.testing.newsite import DemoSite, build_site

runner = CliRunner()
# Everything but 127.0.0.0/8 is refused, whatever the command does with its sources.
LOOPBACK_ONLY = [arg for net in loopback_only() for arg in ("--forbid-network", str(net))]
LOCAL = ["--allow-private-addresses", *LOOPBACK_ONLY]


@pytest.fixture
def server() -> Iterator[LocalServer]:
    with LocalServer() as local:
        yield local


@pytest.fixture
def site(server: LocalServer) -> DemoSite:
    demo = build_site(server.base_url, n_sites=1)
    server.add_many(demo.routes)
    return demo


def _urls(warehouse: Path) -> set[str]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return {row[0] for row in con.execute("SELECT url FROM articles").fetchall()}
    finally:
        con.close()


def _count(warehouse: Path) -> int:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return int(con.execute("SELECT count(*) FROM articles").fetchone()[0])
    finally:
        con.close()


def test_scrape_stores_the_site_and_says_that_some_urls_failed(
    site: DemoSite, tmp_path: Path
) -> None:
    wh = tmp_path / "cli.duckdb"
    args = ["-w", str(wh), "scrape", *LOCAL, "--robots-sitemaps", site.base_url]
    for feed in site.feeds:
        args += ["--feed", feed]
    first = runner.invoke(app, args)
    # The demo site has a withdrawn page (404) and a JSON page among its listed URLs.
    assert first.exit_code == EXIT_SOME_FAILED, first.output
    assert "(all)" in first.stdout and "http_error" in first.stdout
    assert "HTTP status 404" in first.stderr
    assert {a.url for a in site.articles if a.listed} <= _urls(wh)

    rows = _count(wh)
    again = runner.invoke(app, args)
    assert again.exit_code == EXIT_OK, again.output  # nothing was due, so nothing failed
    assert _count(wh) == rows


def test_urls_file_and_max_pages(site: DemoSite, tmp_path: Path) -> None:
    listed = sorted(a.url for a in site.articles if a.origin.startswith("seed:"))
    urls_file = tmp_path / "urls.txt"
    urls_file.write_text("\n".join(listed) + "\n")
    wh = tmp_path / "cli.duckdb"
    args = ["-w", str(wh), "scrape", *LOCAL, "--urls-file", str(urls_file), "--max-pages", "2"]
    result = runner.invoke(app, args)
    assert result.exit_code == EXIT_OK, result.output
    assert "stopped: max_pages" in result.stdout and len(_urls(wh)) == 2
    rest = runner.invoke(app, ["-w", str(wh), "scrape", *LOCAL])  # no sources: resume
    assert rest.exit_code == EXIT_OK, rest.output
    assert _urls(wh) == set(listed)


def test_private_addresses_are_refused_unless_allowed(
    site: DemoSite, server: LocalServer, tmp_path: Path
) -> None:
    wh = tmp_path / "cli.duckdb"
    page = next(a.url for a in site.articles if a.listed)
    result = runner.invoke(app, ["-w", str(wh), "scrape", page, *LOOPBACK_ONLY])
    assert result.exit_code == EXIT_SOME_FAILED, result.output
    assert not server.requests and not _urls(wh)


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--forbid-network", "10.0.0.0/33", "10.0.0.0/33"),
        ("--forbid-network", "[/x]", "'[/x]'"),  # printed as text, not read as markup
        ("--include", "([unclosed", "([unclosed"),
        ("--concurrency", "0", "concurrency"),
    ],
)
def test_bad_options_exit_2_naming_the_input(
    option: str, value: str, message: str, tmp_path: Path
) -> None:
    wh = tmp_path / "cli.duckdb"
    args = ["-w", str(wh), "scrape", option, value]  # --include implies --follow-links
    result = runner.invoke(app, args)
    assert result.exit_code == EXIT_ERROR, result.output
    assert message in result.output
    assert not wh.exists()


def test_reparse_rereads_what_scrape_stored(site: DemoSite, tmp_path: Path) -> None:
    wh = tmp_path / "cli.duckdb"
    scraped = runner.invoke(app, ["-w", str(wh), "scrape", *LOCAL, "--feed", site.feeds[0]])
    assert scraped.exit_code in (EXIT_OK, EXIT_SOME_FAILED), scraped.output
    stored = len(_urls(wh))
    result = runner.invoke(app, ["-w", str(wh), "reparse", "--workers", "0"])
    assert result.exit_code == EXIT_OK, result.output
    assert "reparse with" in result.stdout and str(stored) in result.stdout
    assert len(_urls(wh)) == stored


def test_reparse_of_a_missing_warehouse_is_an_error(tmp_path: Path) -> None:
    missing = tmp_path / "none" / "x.duckdb"
    result = runner.invoke(app, ["-w", str(missing), "reparse"])
    assert result.exit_code == EXIT_ERROR and "no warehouse file" in result.output
    assert not missing.exists()


def test_live_counts_add_progress_steps() -> None:
    counts = LiveCounts()
    counts.add(Progress(discovered=3))
    counts.add(Progress(fetched=2, stored=1, failed=1))
    assert (counts.discovered, counts.fetched, counts.stored, counts.failed) == (3, 2, 1, 1)
    assert "failed 1" in str(counts.__rich__())
