"""The fast URL path gives exactly what `httpx.URL` gives, or the same error."""

from __future__ import annotations

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ingest.fetch._urls import URLParser

_PARTS = st.sampled_from(
    [
        "http://",
        "https://",
        "HTTP://",
        "ftp://",
        "http://user@",
        "a",
        "B",
        "0",
        "9",
        ".",
        "..",
        "-",
        ":",
        ":80",
        ":443",
        ":8080",
        ":99999",
        "/",
        "/.",
        "/..",
        "?",
        "#",
        "%",
        "%2F",
        "%zz",
        "&",
        "=",
        "'",
        '"',
        "<",
        "`",
        "{",
        " ",
        "\t",
        "é",
        "[",
        "]",
        "@",
        "127.0.0.1",
        "999.1.1.1",
        "example.org",
        "/a/b.html",
        "?q=1&r=2",
    ]
)
_URLS = st.lists(_PARTS, min_size=1, max_size=12).map("".join)


def _parse(parse, text: str) -> tuple[str, object]:
    try:
        url = parse(text)
    except httpx.InvalidURL as exc:
        return ("error", type(exc))
    return ("ok", url._uri_reference)


@settings(max_examples=3000, deadline=None)
@given(
    st.one_of(_URLS, st.builds("http://{}".format, _URLS), st.builds("https://a.b{}".format, _URLS))
)
def test_fast_path_matches_httpx(text: str) -> None:
    parser = URLParser()
    assert _parse(parser.parse, text) == _parse(httpx.URL, text)
    assert _parse(parser.parse, text) == _parse(httpx.URL, text)  # again, from the kept origin


@pytest.mark.parametrize(
    "text",
    [
        "http://127.0.0.1:8080/p/1.html",
        "https://news.example.org/2026/12/06/story-slug.html?utm_source=rss&x=%20y",
        "http://example.org",
        "http://example.org?",
        "http://example.org:80/a",
        "https://example.org/a/./b/../c",
        "https://Example.org/a#frag",
    ],
)
def test_common_urls_equal_httpx(text: str) -> None:
    parsed = URLParser().parse(text)
    assert parsed == httpx.URL(text) and str(parsed) == str(httpx.URL(text))
    assert parsed.raw_path == httpx.URL(text).raw_path


def test_common_shape_takes_the_fast_path_once_per_origin() -> None:
    parser = URLParser()
    for n in range(3):
        parser.parse(f"http://127.0.0.1:8080/p/{n}.html")
    parser.parse("https://Example.org/a#frag")  # not the common shape: httpx parses it
    assert list(parser._origins) == ["http://127.0.0.1:8080"]
