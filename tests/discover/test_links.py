"""Link extraction, URL lists and the link-following policy."""

from __future__ import annotations

import re

import pytest

from ingest.discover import LinkFollowPolicy, Rejected, extract_links, parse_url_list
from ingest.urls import InvalidURL

PAGE_URL = "https://www.news.example/world/index.html"

PAGE = """<!doctype html><html><head><title>World</title></head><body>
<nav><a href="/">Home</a> <a href="/world/">World</a> <a href="#main">Skip</a></nav>
<a href="story-1.html?utm_source=nav">Story 1</a>
<a href="https://news.example/world/story-2.html">Story 2 (no www, same site)</a>
<a href="/world/story-1.html#comments">Story 1 again</a>
<a href="index.html">This page</a>
<a href="mailto:desk@news.example">Mail</a> <a href="javascript:void(0)">JS</a>
<a href="tel:+441234">Call</a> <a href="data:text/html,hi">data</a>
<a href="/files/report.PDF">PDF</a> <a href="/img/photo.jpg?w=200">Photo</a>
<a href="https://other.example/elsewhere">Elsewhere</a>
<a href="/tag/politics">Tag</a> <a href="/video/clip-9">Video</a>
<a>No href</a> <a href="">Empty</a> <a href="http://[broken/">Broken</a>
<map><area href="/world/area-link" alt="x"></map>
</body></html>"""


def test_extract_links_same_site_in_page_order() -> None:
    assert extract_links(PAGE, PAGE_URL) == [
        "https://www.news.example/",
        "https://www.news.example/world/",
        "https://www.news.example/world/story-1.html",
        "https://news.example/world/story-2.html",
        "https://www.news.example/tag/politics",
        "https://www.news.example/video/clip-9",
        "https://www.news.example/world/area-link",
    ]


def test_extract_links_other_sites_and_patterns() -> None:
    every = extract_links(PAGE, PAGE_URL, same_site=False)
    assert "https://other.example/elsewhere" in every
    chosen = extract_links(
        PAGE, PAGE_URL, include=[r"/world/", re.compile(r"/video/")], exclude=["story-2"]
    )
    assert chosen == [
        "https://www.news.example/world/",
        "https://www.news.example/world/story-1.html",
        "https://www.news.example/video/clip-9",
        "https://www.news.example/world/area-link",
    ]


def test_base_href_is_honoured() -> None:
    html = '<html><head><base href="https://news.example/archive/"></head>'
    html += '<body><a href="2020/old">old</a></body></html>'
    assert extract_links(html, "https://news.example/x") == [
        "https://news.example/archive/2020/old"
    ]


def test_extract_links_refuses_an_unusable_page_url() -> None:
    with pytest.raises(InvalidURL):
        extract_links(PAGE, "file:///tmp/page.html")


def test_parse_url_list_skips_comments_and_reports_bad_lines() -> None:
    text = """# seed list
https://a.example/one?utm_medium=x

  https://A.example/one   # same page again
https://b.example/two
ftp://c.example/three
not a url
"""
    rejected: list[Rejected] = []
    assert parse_url_list(text, on_reject=rejected.append) == [
        "https://a.example/one",
        "https://b.example/two",
    ]
    assert [(r.document, r.value) for r in rejected] == [
        ("line 6", "ftp://c.example/three"),
        ("line 7", "not a url"),
    ]


def test_link_follow_policy_depth_and_patterns() -> None:
    policy = LinkFollowPolicy(max_depth=2, max_pages=50, include=[r"/world/"], exclude=["area"])
    found = policy.follow(PAGE, PAGE_URL, depth=1)
    assert [d.url for d in found] == [
        "https://www.news.example/world/",
        "https://www.news.example/world/story-1.html",
        "https://news.example/world/story-2.html",
    ]
    assert {(d.depth, d.source) for d in found} == {(2, f"link:{PAGE_URL}")}
    assert policy.follow(PAGE, PAGE_URL, depth=2) == []
    assert all(isinstance(p, re.Pattern) for p in policy.include)


def test_link_follow_policy_rejects_negative_limits() -> None:
    with pytest.raises(ValueError, match="negative"):
        LinkFollowPolicy(max_depth=-1)


def test_link_follow_policy_at_depth_zero_follows_nothing() -> None:
    assert LinkFollowPolicy(max_depth=0).follow(PAGE, PAGE_URL, depth=0) == []
