"""Serve the demo news site on loopback until interrupted: `python -m ingest.testing.newsite`.

Prints where a crawl starts (robots.txt, sitemap index, feeds, front pages).
"""

from __future__ import annotations

import argparse
import threading

from ingest.testing.newsite._site import build_site
from ingest.testing.server import LocalServer


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1", help="loopback address to bind")
    parser.add_argument("--port", type=int, default=8080, help="0 picks a free port")
    parser.add_argument("--sites", type=int, default=2, help="publications (1-4)")
    parser.add_argument("--extra-pages", type=int, default=0, help="synthetic articles to add")
    args = parser.parse_args(argv)
    with LocalServer(hosts=(args.host,), port=args.port, log_requests=False) as server:
        site = build_site(server.base_url, n_sites=args.sites, extra_pages=args.extra_pages)
        server.add_many(site.routes)
        print(f"demo news site on {site.base_url}: {len(site.articles)} articles")
        for label, urls in (
            ("robots", [site.robots_url]),
            ("sitemap", [site.sitemap_index]),
            ("feed", site.feeds),
            ("front", site.front_pages),
        ):
            for url in urls:
                print(f"  {label:8} {url}")
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
