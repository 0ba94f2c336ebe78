"""Extracted pages become seed-shape records with a stable id."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ingest.extract.model import Block, DateValue, Extracted
from ingest.normalize import NormalizeError, record_text, to_article
from ingest.records import validate_text
from ingest.urls import record_id

PAGE = Extracted(
    title="Council  approves\u00a0budget",
    blocks=(
        Block("paragraph", "The council voted 7–2 on Tuesday."),
        Block("list_item", "Schools: +4%"),
        Block("list_item", "Roads: −2%"),
        Block("heading", "What comes next"),
        Block("paragraph", "Cafe\u0301 owners   were pleased."),
    ),
    canonical_url="https://News.Example.com/2026/budget?utm_source=rss#top",
    published=DateValue(datetime(2026, 3, 4, 9, 30, tzinfo=UTC), "minute", "json-ld"),
    language="en",
)


def test_spaced_layout_headline_first() -> None:
    assert record_text(PAGE) == (
        "Council approves budget\n\nThe council voted 7–2 on Tuesday.\n\n"
        "  • Schools: +4%\n  • Roads: −2%\n\nWhat comes next\n\nCafé owners were pleased."
    )


def test_compact_layout() -> None:
    assert record_text(PAGE, "compact") == (
        "Council approves budget\nThe council voted 7–2 on Tuesday.\n"
        "- Schools: +4%\n- Roads: −2%\nWhat comes next\nCafé owners were pleased."
    )


def test_text_obeys_the_record_rules_and_is_nfc() -> None:
    text = record_text(PAGE)
    assert validate_text(text) == []
    assert "Café" in text and "\u0301" not in text


def test_id_comes_from_the_canonical_url() -> None:
    article = to_article(PAGE, final_url="https://news.example.com/amp/budget")
    assert article.canonical_url == "https://news.example.com/2026/budget"
    assert article.id == record_id("https://news.example.com/2026/budget")
    assert article.domain == "news.example.com"
    assert article.published_precision == "minute" and article.published_source == "json-ld"


def test_id_falls_back_to_the_final_url() -> None:
    page = Extracted(title="T", blocks=(Block("paragraph", "x"),))
    article = to_article(page, final_url="https://example.com/a?b=2&a=1&fbclid=z")
    assert article.id == record_id("https://example.com/a?a=1&b=2")


def test_empty_page_is_refused_with_its_url() -> None:
    with pytest.raises(NormalizeError, match="https://example.com/empty"):
        to_article(Extracted(), final_url="https://example.com/empty")
