"""Assemble the demo news site: every route (pages, feeds, sitemaps, robots.txt, broken cases).

The result is plain data (path → `Route`) that `LocalServer.add_many` serves, plus the list of
articles a crawl of it should find, so tests and the demo can check what came out.
"""

from __future__ import annotations

import gzip
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from ingest.testing.newsite._content import (
    FIXTURES,
    PUBLICATIONS,
    ArticleContent,
    Fixture,
    Publication,
    seed_articles,
)
from ingest.testing.newsite._documents import (
    FeedItem,
    atom_feed,
    news_sitemap,
    robots_txt,
    rss_feed,
    sitemap_index,
    urlset,
)
from ingest.testing.newsite._fixtures import fixture_path, load_fixture
from ingest.testing.newsite._html import Link, article_page, index_page
from ingest.testing.newsite._synthetic import synthetic_pages
from ingest.testing.server import HTML, Route

__all__ = ["DemoArticle", "DemoSite", "build_site"]

_XML = "application/xml"
_SITEMAP_URLS = 50_000  # the sitemaps.org limit per file
_FIXTURE_POSTED = datetime(2025, 6, 2, 8, 0, tzinfo=UTC)


@dataclass(frozen=True, slots=True, kw_only=True)
class DemoArticle:
    """An article page of the demo site and what it states (for checking a crawl)."""

    url: str
    title: str
    site: str
    language: str
    published_at: datetime | None
    author: str | None
    origin: str  # "seed:<file>", "fixture:<file>" or "synthetic"
    listed: bool  # in the feeds and sitemaps; False: reachable by following links only
    body_text: str | None = None  # the body extraction should find (seed articles)


@dataclass(frozen=True, slots=True, kw_only=True)
class DemoSite:
    """Everything the demo site serves, and where a crawl of it starts."""

    base_url: str
    routes: Mapping[str, Route]
    articles: tuple[DemoArticle, ...]
    feeds: tuple[str, ...]
    sitemap_index: str
    news_sitemap: str
    robots_url: str
    front_pages: tuple[str, ...]
    broken: Mapping[str, str] = field(default_factory=dict)  # URL → what is wrong with it


@dataclass(slots=True)
class _SiteBuild:
    """One publication's pages while they are being assembled."""

    publication: Publication
    site_url: str
    items: list[FeedItem] = field(default_factory=list)
    sections: dict[str, list[Link]] = field(default_factory=dict)
    news: list[FeedItem] = field(default_factory=list)


def build_site(
    base_url: str, *, n_sites: int = 2, extra_pages: int = 0, seeds_dir: Path | None = None
) -> DemoSite:
    """The demo site at `base_url` (e.g. a `LocalServer.base_url`): `n_sites` publications
    (1-4) under their own path prefix, sharing the five seed articles and seven real pages,
    plus `extra_pages` synthetic articles listed in the sitemap only (not in the feeds).

    Every page is held in memory: for thousands of pages, serve `synthetic_pages` from disk.
    """
    if not 1 <= n_sites <= len(PUBLICATIONS):
        raise ValueError(f"n_sites must be between 1 and {len(PUBLICATIONS)}, not {n_sites}")
    base = base_url.rstrip("/")
    sites = [_SiteBuild(p, f"{base}/{p.slug}") for p in PUBLICATIONS[:n_sites]]
    routes: dict[str, Route] = {}
    articles: list[DemoArticle] = []
    for k, content in enumerate(seed_articles(seeds_dir)):
        articles.append(_add_seed(routes, sites[k % n_sites], content, base))
    for j, fixture in enumerate(FIXTURES):
        listed = j < len(FIXTURES) - 1  # the last real page is reachable by links only
        articles.append(_add_fixture(routes, sites[j % n_sites], fixture, base, j, listed))
    start = 0
    for i in range(n_sites):
        count = extra_pages // n_sites + (i < extra_pages % n_sites)
        articles.extend(_add_synthetic(routes, sites[i], base, start, count, seeds_dir))
        start += count
    broken = _add_broken_cases(routes, sites[0], base)
    for site in sites:
        _add_site_documents(routes, site, base)
    _add_root_documents(routes, sites, articles, base)
    return DemoSite(
        base_url=base,
        routes=routes,
        articles=tuple(articles),
        feeds=tuple(f"{s.site_url}/{name}" for s in sites for name in ("rss.xml", "atom.xml")),
        sitemap_index=f"{base}/sitemap.xml",
        news_sitemap=f"{base}/sitemaps/news.xml",
        robots_url=f"{base}/robots.txt",
        front_pages=(f"{base}/", *(f"{s.site_url}/" for s in sites)),
        broken=broken,
    )


def _add_seed(
    routes: dict[str, Route], site: _SiteBuild, content: ArticleContent, base: str
) -> DemoArticle:
    day = content.published.astimezone(UTC).strftime("%Y/%m/%d")
    path = f"/{site.publication.slug}/{content.section}/{day}/{content.slug}.html"
    url = base + path
    related = [link for links in site.sections.values() for link in links][-4:]
    html = article_page(
        content, url=url, publication=site.publication, site_url=site.site_url, related=related
    )
    routes[path] = Route(html.encode())
    teaser = next((b.text for b in content.blocks if b.tag == "p"), "")[:160]
    _list(site, content.section, Link(url, content.headline, teaser))
    site.news.append(
        FeedItem(
            url=url,
            title=content.headline,
            published=content.published,
            summary=teaser,
            author=content.author,
            publication=site.publication.name,
            language=content.language,
            keywords=content.keywords,
        )
    )
    site.items.append(site.news[-1])
    return DemoArticle(
        url=url,
        title=content.headline,
        site=site.publication.name,
        language=content.language,
        published_at=content.published,
        author=content.author,
        origin=content.origin,
        listed=True,
        body_text=content.body_text,
    )


def _add_fixture(
    routes: dict[str, Route], site: _SiteBuild, fixture: Fixture, base: str, j: int, listed: bool
) -> DemoArticle:
    path = f"/{site.publication.slug}{fixture_path(fixture)}"
    url = base + path
    routes[path] = Route(load_fixture(fixture, site.site_url))
    section = site.publication.sections[-1]
    _list(site, section, Link(url, fixture.title))
    if listed:
        posted = _FIXTURE_POSTED + timedelta(hours=5 * j)
        site.items.append(
            FeedItem(
                url=url,
                title=fixture.title,
                published=posted,
                publication=site.publication.name,
                language=fixture.language,
            )
        )
    return DemoArticle(
        url=url,
        title=fixture.title,
        site=site.publication.name,
        language=fixture.language,
        published_at=None,
        author=None,
        origin=f"fixture:{fixture.file}",
        listed=listed,
    )


def _add_synthetic(
    routes: dict[str, Route],
    site: _SiteBuild,
    base: str,
    start: int,
    count: int,
    seeds_dir: Path | None,
) -> list[DemoArticle]:
    pages = synthetic_pages(
        count, base, start=start, publication=site.publication, seeds_dir=seeds_dir
    )
    found: list[DemoArticle] = []
    for page in pages:
        routes[page.path] = Route(page.body)  # in the sitemap only: feeds stay short
        found.append(
            DemoArticle(
                url=page.url,
                title=page.title,
                site=site.publication.name,
                language="en",
                published_at=page.published,
                author=None,
                origin="synthetic",
                listed=True,
            )
        )
    return found


def _add_broken_cases(routes: dict[str, Route], site: _SiteBuild, base: str) -> dict[str, str]:
    """A 404 and a JSON document in the first site's feeds, a PDF on its section page."""
    slug = site.publication.slug
    missing = f"{base}/{slug}/world/2024/12/01/withdrawn-story.html"
    data = f"{base}/{slug}/data/briefing-figures"
    pdf = f"{base}/{slug}/files/annual-report.pdf"
    routes[f"/{slug}/data/briefing-figures"] = Route(
        b'{"briefing": "figures", "rows": []}', content_type="application/json"
    )
    routes[f"/{slug}/files/annual-report.pdf"] = Route(
        b"%PDF-1.4\n% demo\n", content_type="application/pdf"
    )
    posted = datetime(2024, 12, 1, 6, 0, tzinfo=UTC)
    site.items.append(FeedItem(url=missing, title="Withdrawn story", published=posted))
    site.items.append(FeedItem(url=data, title="Briefing figures (data)", published=posted))
    _list(site, site.publication.sections[0], Link(pdf, "Annual report (PDF)"))
    return {
        missing: "404: listed in the feed, never published",
        data: "JSON, not HTML",
        pdf: "a PDF link",
    }


def _list(site: _SiteBuild, section: str, link: Link) -> None:
    site.sections.setdefault(section, []).append(link)


def _add_site_documents(routes: dict[str, Route], site: _SiteBuild, base: str) -> None:
    pub, slug = site.publication, site.publication.slug
    for section in dict.fromkeys([*pub.sections, *site.sections]):
        routes[f"/{slug}/{section}/"] = Route(
            index_page(
                title=section.title(),
                url=f"{site.site_url}/{section}/",
                publication=pub,
                site_url=site.site_url,
                links=site.sections.get(section, []),
            ).encode()
        )
    listed = [item for item in site.items if item.url.startswith(site.site_url)]
    front = [
        Link(i.url, i.title, i.summary)
        for i in sorted(listed, key=lambda i: i.published, reverse=True)
    ]
    routes[f"/{slug}/"] = Route(
        index_page(
            title="Latest news",
            url=f"{site.site_url}/",
            publication=pub,
            site_url=site.site_url,
            links=front[:20],
        ).encode()
    )
    # The feeds carry tracking parameters, as real ones do: canonicalisation must drop them.
    tracked = [_tracked(item) for item in site.items]
    rss = rss_feed(
        title=pub.name, site_url=site.site_url, feed_url=f"{site.site_url}/rss.xml", items=tracked
    )
    atom = atom_feed(
        title=pub.name,
        site_url=site.site_url,
        feed_url=f"{site.site_url}/atom.xml",
        items=site.items,
    )
    routes[f"/{slug}/rss.xml"] = Route(rss, content_type="application/rss+xml; charset=utf-8")
    routes[f"/{slug}/atom.xml"] = Route(atom, content_type="application/atom+xml; charset=utf-8")


def _tracked(item: FeedItem) -> FeedItem:
    return FeedItem(
        url=f"{item.url}?utm_source=rss&utm_medium=feed",
        title=item.title,
        published=item.published,
        summary=item.summary,
        author=item.author,
    )


def _add_root_documents(
    routes: dict[str, Route],
    sites: Sequence[_SiteBuild],
    articles: Sequence[DemoArticle],
    base: str,
) -> None:
    listed = [a for a in articles if a.listed]
    pages = [
        FeedItem(url=a.url, title=a.title, published=a.published_at or _FIXTURE_POSTED)
        for a in listed
    ]
    news = [item for site in sites for item in site.news]
    children: list[str] = []
    for number, start in enumerate(range(0, len(pages), _SITEMAP_URLS), start=1):
        path = f"/sitemaps/articles-{number}.xml.gz"
        body = gzip.compress(urlset(pages[start : start + _SITEMAP_URLS]), mtime=0)
        routes[path] = Route(body, content_type="application/gzip")
        children.append(base + path)
    routes["/sitemaps/news.xml"] = Route(news_sitemap(news), content_type=_XML)
    children.append(f"{base}/sitemaps/news.xml")
    routes["/sitemap.xml"] = Route(sitemap_index(children), content_type=_XML)
    routes["/robots.txt"] = Route(
        robots_txt(sitemaps=[f"{base}/sitemap.xml"], disallow=["/private/"]),
        content_type="text/plain; charset=utf-8",
    )
    routes["/private/drafts.html"] = Route(
        b"<!doctype html><title>Drafts</title><p>Not for robots.</p>"
    )
    home_links = [Link(f"{s.site_url}/", s.publication.name) for s in sites]
    home_links.append(Link(f"{base}/private/drafts.html", "Drafts (disallowed by robots.txt)"))
    routes["/"] = Route(
        index_page(
            title="Demo newsstand",
            url=f"{base}/",
            publication=sites[0].publication,
            site_url=sites[0].site_url,
            links=home_links,
        ).encode(),
        content_type=HTML,
    )
