"""The offline demo news site: seed articles and real pages in page chrome, with feeds,
sitemaps and robots.txt, plus a generator of synthetic article pages for benchmarks.

`build_site(server.base_url)` gives routes for `LocalServer.add_many`; nothing here fetches.
"""

from ingest.testing.newsite._content import FIXTURES, PUBLICATIONS, Fixture, Publication
from ingest.testing.newsite._site import DemoArticle, DemoSite, build_site
from ingest.testing.newsite._synthetic import SyntheticPage, synthetic_pages

__all__ = [
    "FIXTURES",
    "PUBLICATIONS",
    "DemoArticle",
    "DemoSite",
    "Fixture",
    "Publication",
    "SyntheticPage",
    "build_site",
    "synthetic_pages",
]
