"""The charset chain of `decode_html`, and the charset endpoints served end to end."""

from __future__ import annotations

import codecs

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ingest.fetch import Fetcher, Outcome, decode_html
from ingest.testing import LocalServer

CAFE = "<p>Café “crème” – naïve</p>"


def test_bom_wins_over_a_wrong_http_charset() -> None:
    body = codecs.BOM_UTF8 + CAFE.encode()
    assert decode_html(body, "text/html; charset=iso-8859-1") == (CAFE, "utf-8", "bom")
    utf16 = codecs.BOM_UTF16_LE + CAFE.encode("utf-16-le")
    assert decode_html(utf16, None) == (CAFE, "utf-16-le", "bom")


def test_http_charset_is_used_when_it_decodes() -> None:
    assert decode_html(CAFE.encode("cp1252"), "text/html; charset=windows-1252") == (
        CAFE,
        "cp1252",
        "http",
    )


def test_latin1_label_means_windows_1252_as_in_browsers() -> None:
    text, charset, source = decode_html(CAFE.encode("cp1252"), 'text/html; charset="ISO-8859-1"')
    assert (text, charset, source) == (CAFE, "cp1252", "http")


def test_wrong_http_charset_falls_through_to_meta() -> None:
    body = ('<meta charset="windows-1252">' + CAFE).encode("cp1252")
    text, charset, source = decode_html(body, "text/html; charset=utf-8")
    assert (charset, source) == ("cp1252", "meta") and CAFE in text


def test_http_equiv_meta_is_read() -> None:
    head = '<meta http-equiv="Content-Type" content="text/html; charset=koi8-r">'
    body = (head + "<p>Новости дня: правительство, экономика</p>").encode("koi8-r")
    text, charset, source = decode_html(body, "text/html")
    assert (charset, source) == ("koi8-r", "meta") and "Новости" in text


def test_undeclared_utf8_is_recognised_strictly() -> None:
    assert decode_html(CAFE.encode(), None) == (CAFE, "utf-8", "utf-8")
    assert decode_html(CAFE.encode(), "text/html; charset=no-such-charset")[2] == "utf-8"


def test_undeclared_legacy_text_goes_to_the_detector() -> None:
    body = ("<p>" + "Правительство объявило о новых мерах поддержки бизнеса. " * 4).encode("cp1251")
    text, charset, source = decode_html(body, None)
    assert source == "detected" and charset == "cp1251" and "Правительство" in text


def test_undecodable_bytes_end_in_cp1252_with_replacement() -> None:
    body = bytes(range(128, 256))  # invalid UTF-8, no charset, nothing to detect
    text, charset, source = decode_html(body, None)
    assert (charset, source) == ("cp1252", "fallback")
    assert text == body.decode("cp1252", errors="replace") and "\ufffd" in text


@given(st.binary(max_size=2048), st.one_of(st.none(), st.text(max_size=40)))
def test_any_bytes_and_header_decode_to_text(body: bytes, content_type: str | None) -> None:
    text, charset, source = decode_html(body, content_type)
    assert isinstance(text, str) and charset
    assert source in {"bom", "http", "utf-8", "meta", "detected", "fallback"}


@pytest.mark.parametrize(
    ("case", "charset", "source", "needle"),
    [
        ("wrong", "cp1252", "meta", "Café “crème”"),
        ("missing", "cp1252", "meta", "Café “crème”"),
        ("latin1", "cp1252", "http", "“crème”"),
        ("undeclared", "cp1251", "detected", "Правительство"),
    ],
)
async def test_served_charset_faults(
    local_server: LocalServer, make_settings, case: str, charset: str, source: str, needle: str
) -> None:
    async with Fetcher(make_settings()) as fetcher:
        result = await fetcher.fetch(local_server.url(f"/_fault/charset/{case}"))
    assert result.outcome is Outcome.OK
    assert (result.charset, result.charset_source) == (charset, source)
    assert needle in str(result.text)
