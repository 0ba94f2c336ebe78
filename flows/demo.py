"""`make run`: the offline demo. Serve the demo news site on 127.0.0.1, scrape it with the scrape
flow exactly as a real site (only private addresses allowed), backfill seeds/, print a summary.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from rich.console import Console

from flows._console import rows_table
from flows.backfill import backfill
from flows.scrape import scrape
from flows.scrape_params import LimitParams, SourceParams
from ingest.testing import LocalServer
from ingest.testing.newsite import DemoSite, build_site
from storage.query import DEMO_SUMMARY_SQL, run_query
from storage.warehouse import Warehouse

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
# A fixed port keeps the site's URLs, and so the article ids, the same from one run to the next:
# a second `make run` then finds everything known and adds nothing.
PORT_VAR = "NEWSDESK_DEMO_PORT"
DEFAULT_PORT = 8731


def print_summary(warehouse: Warehouse, console: Console) -> None:
    with warehouse.connection() as con:
        for title, sql in DEMO_SUMMARY_SQL:
            result = run_query(con, sql)
            console.print(rows_table(result.columns, result.rows, title))


@contextmanager
def demo_site(console: Console) -> Iterator[DemoSite]:
    """The demo site on its fixed port, or on a free one (with a warning) if that is taken."""
    port = int(os.environ.get(PORT_VAR, DEFAULT_PORT))
    try:
        server = LocalServer(port=port, log_requests=False)
        server.start()
    except OSError as exc:
        console.print(
            f"[yellow]port {port} is taken ({exc.strerror}); using a free one, so this run's "
            f"URLs differ from earlier runs'. Set {PORT_VAR} to choose the port.[/]"
        )
        server = LocalServer(log_requests=False)
        server.start()
    try:
        site = build_site(server.base_url, n_sites=2)
        server.add_many(site.routes)
        yield site
    finally:
        server.stop()


def main() -> None:
    console = Console()
    warehouse = Warehouse()
    console.print(f"[bold]newsdesk demo[/]: warehouse {warehouse.path.resolve()}")
    with demo_site(console) as site:
        console.print(
            f"demo news site on {site.base_url}: {len(site.articles)} article pages, "
            f"{len(site.feeds)} feeds, a sitemap index and robots.txt; scraping it "
            "(Prefect starts a temporary API server on first use: 30-60 s)"
        )
        scraped = asyncio.run(
            scrape(
                sources=SourceParams(
                    feeds=list(site.feeds),
                    sitemaps=[site.sitemap_index],
                    robots_sitemaps=[site.base_url],
                ),
                limits=LimitParams(concurrency=16, per_host=8, batch_size=100),
                warehouse=str(warehouse.path),
                allow_private_addresses=True,  # the one difference from scraping a real site
            )
        )
    console.print(f"scrape of the demo site: {scraped}")
    report = backfill(str(SEEDS), warehouse=str(warehouse.path))
    console.print(f"backfill of seeds/: {report}")
    print_summary(Warehouse(warehouse.path, read_only=True), console)


if __name__ == "__main__":
    main()
