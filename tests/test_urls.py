"""Canonical URLs and record ids: each normalisation rule, the refusals, and the id rule itself."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ingest.urls import (
    DEFAULT_TRACKING,
    InvalidURL,
    TrackingRules,
    canonicalize_url,
    host_of,
    record_id,
    site_of,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("HTTP://Example.COM", "http://example.com/"),
        ("http://example.com:80/a", "http://example.com/a"),
        ("https://example.com:443/a", "https://example.com/a"),
        ("https://example.com:8443/a", "https://example.com:8443/a"),
        ("http://example.com/a#section-2", "http://example.com/a"),
        ("http://example.com./a", "http://example.com/a"),
        ("http://example.com/a/./b/../c", "http://example.com/a/c"),
        ("http://example.com/a/%2e%2E/b", "http://example.com/b"),
        ("http://example.com/%7euser/%41%62", "http://example.com/~user/Ab"),
        ("http://example.com/a%2fb%3f", "http://example.com/a%2Fb%3F"),
        ("http://example.com/caf\u00e9 bar", "http://example.com/caf%C3%A9%20bar"),
        ("http://example.com/100%", "http://example.com/100%25"),
        ("http://example.com/?b=2&a=1", "http://example.com/?a=1&b=2"),
        ("http://example.com/?t=2&a=x&t=1", "http://example.com/?a=x&t=2&t=1"),
        ("http://example.com/?q=a+b&&flag", "http://example.com/?flag&q=a+b"),
        ("http://example.com/?", "http://example.com/"),
        ("http://b\u00fccher.example/", "http://xn--bcher-kva.example/"),
        ("http://example\uff0ecom\uff0e/", "http://example.com/"),
        ("http://[::1]:8080/x", "http://[::1]:8080/x"),
        ("  http://example.com/a\n ", "http://example.com/a"),
    ],
)
def test_canonical_forms(raw: str, expected: str) -> None:
    assert canonicalize_url(raw) == expected


def test_tracking_parameters_are_dropped_whatever_their_case() -> None:
    url = (
        "https://news.example/story?id=7&utm_source=rss&UTM_Medium=x&fbclid=abc&gclid=1"
        "&dclid=2&msclkid=3&mc_cid=4&mc_eid=5&_ga=6&igshid=7&yclid=8&ref_src=twsrc"
    )
    assert canonicalize_url(url) == "https://news.example/story?id=7"


def test_escaped_tracking_key_is_still_tracking() -> None:
    assert canonicalize_url("http://a.example/?%75tm_source=x&k=v") == "http://a.example/?k=v"


def test_tracking_rules_can_be_replaced() -> None:
    rules = TrackingRules(names=frozenset({"session"}), prefixes=("pk_",))
    url = "http://a.example/?session=1&pk_campaign=2&utm_source=3"
    assert canonicalize_url(url, tracking=rules) == "http://a.example/?utm_source=3"
    assert "fbclid" in DEFAULT_TRACKING.names


@pytest.mark.parametrize(
    ("ref", "base", "expected"),
    [
        ("/b?x=1", "http://Example.com/a/page", "http://example.com/b?x=1"),
        ("c", "http://example.com/a/page", "http://example.com/a/c"),
        ("../up", "http://example.com/a/b/page", "http://example.com/a/up"),
        ("//cdn.example/x", "https://example.com/", "https://cdn.example/x"),
        ("https://other.example", "http://example.com/", "https://other.example/"),
    ],
)
def test_relative_urls_resolve_against_base(ref: str, base: str, expected: str) -> None:
    assert canonicalize_url(ref, base) == expected


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("ftp://example.com/file", "not http or https"),
        ("mailto:someone@example.com", "not http or https"),
        ("javascript:alert(1)", "not http or https"),
        ("/relative/only", "not http or https"),
        ("http:///path", "no host"),
        ("http://example.com:99999/", "Port out of range"),
        ("http://user:pw@example.com/", "credentials"),
        ("http://exa mple.com/", "cannot have"),
        ("http://[::1/", "Invalid IPv6 URL"),
    ],
)
def test_invalid_urls_name_the_url_and_reason(raw: str, reason: str) -> None:
    with pytest.raises(InvalidURL) as info:
        canonicalize_url(raw)
    assert info.value.url == raw
    assert reason in info.value.reason
    assert raw in str(info.value)


def test_record_id_is_the_documented_rule() -> None:
    url = "https://news.example/2024/05/story.html"
    expected = hashlib.sha256(url.encode("utf-8")).hexdigest()[:16]
    assert record_id(url) == expected
    # Pinned so that a change of the rule (or of canonicalisation) cannot pass unnoticed.
    assert record_id("http://example.com/") == "2a1b402420ef4657"


def test_record_id_is_the_same_for_every_spelling() -> None:
    spellings = [
        "https://News.Example:443/story?b=2&a=1#top",
        "https://news.example/story?a=1&utm_source=feed&b=2",
        "https://news.example/./story?a=1&b=2",
    ]
    assert len({record_id(url) for url in spellings}) == 1


def test_host_and_site() -> None:
    assert host_of("https://WWW.Example.com:8080/a") == "www.example.com"
    assert site_of("https://WWW.Example.com:8080/a") == "example.com"
    assert site_of("https://news.example.co.uk/") == "news.example.co.uk"


_url_text = st.text(
    alphabet=st.sampled_from(list("aZ09-._~%/?&=#+:@!$'()*,; \u00e9\u20acF")), max_size=40
)


@given(path=_url_text)
def test_canonicalisation_is_idempotent(path: str) -> None:
    try:
        once = canonicalize_url("http://Example.com/" + path)
    except InvalidURL:
        return
    assert canonicalize_url(once) == once
    assert record_id(once) == record_id("http://Example.com/" + path)


_host_or_path = st.lists(
    st.sampled_from(
        list("aZ.-_~%:@[]?#/\\ \t\u00e9\u0130\u00df\uff0e\u3002")
        + ["%2e", "%41", "%zz", "[::1]", "xn--", "%00", "\x00", "\ud800"]
    ),
    max_size=20,
).map("".join)


@given(host=_host_or_path, rest=_host_or_path, base=st.sampled_from([None, "http://b.example/x/y"]))
def test_any_text_is_canonical_or_refused_with_invalid_url(
    host: str, rest: str, base: str | None
) -> None:
    for url in ("http://" + host + "/" + rest, rest):
        try:
            once = canonicalize_url(url, base)
        except InvalidURL:
            continue
        assert canonicalize_url(once) == once
