"""Sitemaps, sitemap indexes, gzip, Google News entries, robots.txt sitemaps, hostile input."""

from __future__ import annotations

import gzip
from datetime import UTC, datetime

import pytest

from ingest.discover import (
    DocumentTooLarge,
    ForbiddenXML,
    MalformedDocument,
    Rejected,
    parse_robots_sitemaps,
    parse_sitemap,
)

SITEMAP_URL = "https://news.example/sitemap.xml"

URLSET = b"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
        xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"
        xmlns:image="http://www.google.com/schemas/sitemap-image/1.1"
        xmlns:video="http://www.google.com/schemas/sitemap-video/1.1">
  <url>
    <loc> https://news.example/2024/05/vote?b=2&amp;a=1 </loc>
    <lastmod>2024-05-02T08:00:00+00:00</lastmod>
    <news:news>
      <news:publication><news:name>The Example</news:name><news:language>en</news:language>
      </news:publication>
      <news:publication_date>2024-05-01T19:30:00-04:00</news:publication_date>
      <news:title><![CDATA[Vote count &amp; recount]]></news:title>
      <news:keywords>election, vote</news:keywords>
    </news:news>
    <image:image><image:loc>https://cdn.example/vote.jpg</image:loc></image:image>
  </url>
  <url>
    <loc>https://news.example/about</loc>
    <lastmod>2024-04</lastmod>
    <video:video><video:content_loc>https://cdn.example/v.mp4</video:content_loc>
      <video:title>Video title</video:title></video:video>
  </url>
  <url><loc>https://news.example/no-date</loc></url>
  <url><loc>ftp://news.example/file</loc></url>
  <url><lastmod>2024-01-01</lastmod></url>
</urlset>"""


def test_urlset_with_news_image_and_video_entries() -> None:
    rejected: list[Rejected] = []
    page = parse_sitemap(URLSET, SITEMAP_URL, on_reject=rejected.append)
    assert page.sitemaps == []
    assert [u.url for u in page.urls] == [
        "https://news.example/2024/05/vote?a=1&b=2",
        "https://news.example/about",
        "https://news.example/no-date",
    ]
    news = page.urls[0]
    assert news.title == "Vote count & recount"
    assert news.published_at == datetime(2024, 5, 1, 23, 30, tzinfo=UTC)
    assert news.lastmod == datetime(2024, 5, 2, 8, 0, tzinfo=UTC)
    assert dict(news.extra) == {
        "publication": "The Example",
        "language": "en",
        "keywords": "election, vote",
    }
    assert news.source == f"sitemap:{SITEMAP_URL}"
    about = page.urls[1]
    assert (about.title, about.published_at) == (None, None)
    assert about.lastmod == datetime(2024, 4, 1, tzinfo=UTC)
    assert page.urls[2].lastmod is None
    assert [r.reason for r in rejected] == ["scheme 'ftp' is not http or https", "entry has no URL"]


INDEX = b"""<?xml version="1.0" encoding="UTF-8"?>
<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
  <sitemap><loc>https://news.example/sitemap-2024-05.xml.gz</loc>
    <lastmod>2024-05-31</lastmod></sitemap>
  <sitemap><loc>/sitemap-news.xml</loc></sitemap>
</sitemapindex>"""


def test_sitemap_index_lists_child_sitemaps() -> None:
    page = parse_sitemap(INDEX, SITEMAP_URL)
    assert page.urls == []
    assert page.sitemaps == [
        "https://news.example/sitemap-2024-05.xml.gz",
        "https://news.example/sitemap-news.xml",
    ]


def test_gzipped_sitemap_and_sitemap_without_namespace() -> None:
    plain = b"<urlset><url><loc>https://a.example/x</loc></url></urlset>"
    page = parse_sitemap(gzip.compress(plain), "https://a.example/s.xml.gz")
    assert [u.url for u in page.urls] == ["https://a.example/x"]


def test_gzip_bomb_sitemap_is_refused() -> None:
    entry = b"<url><loc>https://a.example/x</loc></url>"
    # Many gzip members of one compressed megabyte each: valid gzip, 160 MB inflated.
    member = gzip.compress(entry * (4 * 1024 * 1024 // len(entry)), mtime=0)
    bomb = gzip.compress(b"<urlset>", mtime=0) + member * 40
    assert len(bomb) < 1024 * 1024
    with pytest.raises(DocumentTooLarge) as info:
        parse_sitemap(bomb, SITEMAP_URL, max_bytes=8 * 1024 * 1024)
    assert info.value.url == SITEMAP_URL


def test_entities_in_sitemaps_are_refused() -> None:
    body = b'<!DOCTYPE urlset [<!ENTITY e "https://a.example/">]><urlset><url><loc>&e;</loc>'
    with pytest.raises(ForbiddenXML):
        parse_sitemap(body + b"</url></urlset>", SITEMAP_URL)


def test_a_feed_is_not_a_sitemap() -> None:
    with pytest.raises(MalformedDocument, match="not a sitemap"):
        parse_sitemap(b"<rss><channel/></rss>", SITEMAP_URL)


ROBOTS = """User-agent: *
Disallow: /private/
Sitemap: https://news.example/sitemap.xml
sitemap: https://NEWS.example/sitemap.xml#dup
Sitemap: /sitemap-news.xml
Sitemap: ftp://news.example/s.xml
"""


def test_robots_sitemap_lines() -> None:
    rejected: list[Rejected] = []
    found = parse_robots_sitemaps(
        ROBOTS, "https://news.example/robots.txt", on_reject=rejected.append
    )
    assert found == [
        "https://news.example/sitemap.xml",
        "https://news.example/sitemap-news.xml",
    ]
    assert [r.value for r in rejected] == ["ftp://news.example/s.xml"]
    assert parse_robots_sitemaps("User-agent: *\nDisallow:\n") == []


def test_robots_relative_sitemap_without_base_is_reported() -> None:
    rejected: list[Rejected] = []
    assert parse_robots_sitemaps("Sitemap: /s.xml\n", on_reject=rejected.append) == []
    assert rejected and rejected[0].value == "/s.xml"
