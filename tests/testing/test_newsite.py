"""The demo news site: served for real on loopback, discovered with the project's own parsers."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from protego import Protego
from selectolax.lexbor import LexborHTMLParser

from ingest.discover import extract_links, parse_feed, parse_robots_sitemaps, parse_sitemap
from ingest.testing import LocalServer
from ingest.testing.newsite import DemoSite, build_site, synthetic_pages


@pytest.fixture
def served(local_server: LocalServer) -> Iterator[tuple[DemoSite, httpx.Client]]:
    site = build_site(local_server.base_url, n_sites=2, extra_pages=3)
    local_server.add_many(site.routes)
    with httpx.Client(timeout=10) as client:
        yield site, client


def _get(client: httpx.Client, url: str) -> httpx.Response:
    assert urlsplit(url).hostname == "127.0.0.1"  # never leave loopback, even on a bug
    return client.get(url)


def test_robots_and_sitemaps_lead_to_every_listed_article(served) -> None:
    site, client = served
    robots = _get(client, site.robots_url).text
    assert parse_robots_sitemaps(robots, site.robots_url) == [site.sitemap_index]
    assert not Protego.parse(robots).can_fetch(f"{site.base_url}/private/drafts.html", "newsdesk")
    index = parse_sitemap(_get(client, site.sitemap_index).content, site.sitemap_index)
    assert index.urls == [] and site.news_sitemap in index.sitemaps
    found: dict[str, object] = {}
    for child in index.sitemaps:
        for entry in parse_sitemap(_get(client, child).content, child).urls:
            found.setdefault(entry.url, entry)
    listed = {a.url for a in site.articles if a.listed}
    assert set(found) == listed
    news = parse_sitemap(_get(client, site.news_sitemap).content, site.news_sitemap).urls
    seeds = {a.url: a for a in site.articles if a.origin.startswith("seed:")}
    assert {n.url for n in news} == set(seeds)
    for entry in news:
        assert entry.title == seeds[entry.url].title
        assert entry.published_at == seeds[entry.url].published_at
        assert entry.extra["publication"] == seeds[entry.url].site


def test_feeds_list_articles_and_the_broken_cases(served) -> None:
    site, client = served
    from_feeds: set[str] = set()
    for feed in site.feeds:
        response = _get(client, feed)
        assert response.status_code == 200
        entries = parse_feed(response.content, feed)
        assert entries and all("utm_" not in e.url for e in entries)
        from_feeds.update(e.url for e in entries)
    listed = {a.url for a in site.articles if a.listed and a.origin != "synthetic"}
    broken = {url for url, why in site.broken.items() if "PDF" not in why}
    assert from_feeds == listed | broken
    statuses = {url: _get(client, url) for url in broken}
    assert sorted(r.status_code for r in statuses.values()) == [200, 404]
    assert any(r.headers["content-type"] == "application/json" for r in statuses.values())


def test_one_article_is_reachable_only_by_following_links(served) -> None:
    site, client = served
    hidden = [a for a in site.articles if not a.listed]
    assert len(hidden) == 1
    frontier, seen = list(site.front_pages), set(site.front_pages)
    for page in frontier:  # a breadth-first crawl over index pages only
        if page.endswith("/"):
            for link in extract_links(_get(client, page).text, page):
                if link not in seen:
                    seen.add(link)
                    frontier.append(link)
    assert hidden[0].url in seen
    assert _get(client, hidden[0].url).status_code == 200


def test_seed_pages_carry_the_article_and_its_metadata(served) -> None:
    site, client = served
    seeds = [a for a in site.articles if a.origin.startswith("seed:")]
    assert len(seeds) == 5
    for article in seeds:
        response = _get(client, article.url)
        assert response.headers["content-type"] == "text/html; charset=utf-8"
        tree = LexborHTMLParser(response.text)
        assert tree.css_first("article h1").text() == article.title
        assert tree.css_first("link[rel=canonical]").attributes["href"] == article.url
        assert tree.css_first("html").attributes["lang"] == article.language
        body = tree.css("article .article-body > p, article .article-body > h2, article li")
        assert "\n".join(node.text() for node in body) == article.body_text
        ld = json.loads(tree.css_first('script[type="application/ld+json"]').text())
        assert ld["@type"] == "NewsArticle" and ld["headline"] == article.title
        assert ld["datePublished"] == article.published_at.isoformat()
        authors = [a["name"] for a in ld.get("author", [])]
        assert authors == ([article.author] if article.author else [])
        # The chrome is there to be left out: a cookie banner, navigation, share bar, footer.
        for chrome in (".cookie-banner", "nav", ".share-bar", "footer"):
            assert tree.css_first(chrome) is not None


def test_seed_headlines_are_chosen_not_first_lines() -> None:
    site = build_site("http://127.0.0.1:1")
    titles = {a.origin[5:8]: a.title for a in site.articles if a.origin.startswith("seed:")}
    assert titles["000"] == "North Korea Extends Warm Welcome to Russia’s Defense Minister"
    assert titles["002"] == "North Korea’s Kim Pledges Support for Russia’s Ukraine War"
    bodies = {a.origin[5:8]: a.body_text for a in site.articles if a.body_text}
    assert "Close Menu" not in bodies["000"] and "Share. Facebook" not in bodies["000"]
    assert "Loading Now" not in bodies["004"] and "Post Comment" not in bodies["004"]
    assert bodies["001"].count("Russian Defense Minister Visits North Korea Amid") == 0


_LINK = re.compile(r"""\b(?:href|src|action)\s*=\s*["']?((?:https?:)?//[^"'\s>]+)""", re.I)


def test_real_pages_link_nowhere_but_the_demo_site() -> None:
    site = build_site("http://127.0.0.1:1")
    fixtures = [a for a in site.articles if a.origin.startswith("fixture:")]
    assert {a.language for a in fixtures} >= {"en", "de", "fr", "es", "pt"}
    for article in fixtures:
        html = site.routes[urlsplit(article.url).path].body.decode("utf-8", "replace")
        hosts = {
            urlsplit(m if m.startswith("http") else "http:" + m).hostname
            for m in _LINK.findall(html)
        }
        assert hosts <= {"127.0.0.1"}, (article.origin, hosts)
        canonical = LexborHTMLParser(html).css_first("link[rel=canonical]")
        if canonical is not None:
            assert canonical.attributes["href"] == article.url


def test_site_sizes_and_arguments() -> None:
    one = build_site("http://127.0.0.1:1", n_sites=1)
    four = build_site("http://127.0.0.1:1/", n_sites=4, extra_pages=10)
    assert len(one.articles) == 12 and len(four.articles) == 22
    assert {a.site for a in four.articles} == {
        "The Harbour Courier",
        "Northern Ledger",
        "Morning Wire",
        "Daily Meridian",
    }
    assert len({a.url for a in four.articles}) == 22
    with pytest.raises(ValueError, match="n_sites"):
        build_site("http://127.0.0.1:1", n_sites=5)


def test_missing_seed_folder_is_named(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="nowhere"):
        build_site("http://127.0.0.1:1", seeds_dir=tmp_path / "nowhere")


def test_synthetic_pages_are_sized_varied_deterministic_and_lazy() -> None:
    pages = synthetic_pages(200, "http://127.0.0.1:1")
    assert isinstance(pages, Iterator)
    batch = list(pages)
    assert all(30_000 <= len(p.body) <= 60_000 for p in batch)
    assert len({p.title for p in batch}) == len({p.url for p in batch}) == 200
    assert max(len(p.body) for p in batch) - min(len(p.body) for p in batch) > 15_000
    again = next(synthetic_pages(1, "http://127.0.0.1:1", start=137))
    assert again == batch[137]
    other_seed = next(synthetic_pages(1, "http://127.0.0.1:1", seed=1))
    assert other_seed.body != batch[0].body
    # A hundred thousand pages are a generator away, not a list in memory.
    assert next(synthetic_pages(100_000, "http://127.0.0.1:1", start=99_999)).url.endswith(
        "story-0099999.html"
    )
