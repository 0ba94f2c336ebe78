"""Any str gives an `Extracted` or an `ExtractionError`: hostile sizes, nesting and garbage."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingest.extract import Extracted, ExtractionError, Limits, extract

FIXTURE = (Path(__file__).parent / "fixtures" / "chrome_page.html").read_text(encoding="utf-8")
PROSE = "A sentence long enough to count as the prose of an article, with a clause or two. "


def extract_or_error(html: str) -> Extracted | None:
    """The result, or None when the extractor refused the input with its own error."""
    try:
        result = extract(html)
    except ExtractionError as exc:
        assert str(exc)  # the error says why
        return None
    assert isinstance(result, Extracted)
    for block in result.blocks:
        assert block.text and block.text == " ".join(block.text.split())
    return result


@pytest.mark.parametrize("html", ["", "   \n\t ", "\x00\x00"])
def test_empty_input_is_a_clear_error(html: str) -> None:
    with pytest.raises(ExtractionError, match="empty"):
        extract(html, "https://example.test/empty")


def test_non_str_input_is_a_clear_error() -> None:
    with pytest.raises(ExtractionError, match="expected str"):
        extract(b"<p>bytes</p>")  # type: ignore[arg-type]


def test_binary_garbage_is_handled() -> None:
    rng = random.Random(4)
    garbage = bytes(rng.randrange(256) for _ in range(200_000)).decode("latin-1")
    extract_or_error(garbage)


def test_deep_nesting_is_cut_and_reported() -> None:
    html = "<div>" * 100_000 + PROSE + "</div>" * 100_000
    result = extract(html)
    assert any("nested deeper" in w for w in result.warnings)


def test_deep_nesting_keeps_text_before_the_cut() -> None:
    html = f"<body><article><p>{PROSE}</p></article>" + "<div>" * 50_000 + "x"
    result = extract(html)
    assert [b.text for b in result.blocks] == [PROSE.strip()]


def test_huge_input_is_truncated_to_the_cap_with_a_warning() -> None:
    limits = Limits(max_chars=200_000)
    html = "<html><body><article>" + f"<p>{PROSE}</p>" * 50_000  # about 4.5 MB
    result = extract(html, limits=limits)
    assert any("longer than 200000" in w for w in result.warnings)
    assert 0 < len(result.blocks) <= 200_000 // len(PROSE)


@pytest.mark.slow
def test_fifty_megabytes_are_bounded_by_the_default_cap() -> None:
    html = "<p>" + "word " * 10_000_000
    result = extract(html)
    assert any("longer than" in w for w in result.warnings)
    assert len(result.body_text) <= Limits().max_chars


def test_block_count_and_block_length_are_capped() -> None:
    limits = Limits(max_blocks=10, max_block_chars=50)
    result = extract("<body>" + f"<p>{PROSE * 3}</p>" * 100, limits=limits)
    assert len(result.blocks) == 10
    assert all(len(b.text) <= 50 for b in result.blocks)


@pytest.mark.parametrize(
    "html",
    [
        "<p>unclosed <b>bold <i>italic <div>block",
        "<table><tr><td><table><tr><td>" * 200 + PROSE,
        '<script type="application/ld+json">{"@type": "NewsArticle", "headline": </script>'
        f"<p>{PROSE}</p>",
        f"<title>no body element</title>{PROSE}",
        "<html><body></body></html>",
        "<!-- only a comment -->",
        "<" * 10_000,
        "<script>" + "x" * 100_000,
        "<svg><text>" + PROSE + "</text></svg>",
        "<select><option>" * 5_000,
    ],
)
def test_malformed_pages_do_not_crash(html: str) -> None:
    extract_or_error(html)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=3_000))
def test_random_text(html: str) -> None:
    extract_or_error(html)


_TAGS = ["div", "p", "a", "li", "ul", "table", "tr", "td", "h2", "article", "span", "br", "pre"]


@st.composite
def mutated_fixture(draw: st.DrawFn) -> str:
    """The fixture page with random cuts, duplications and stray tags."""
    html = FIXTURE
    for _ in range(draw(st.integers(1, 8))):
        at = draw(st.integers(0, len(html)))
        action = draw(st.sampled_from(["cut", "dup", "open", "close", "junk"]))
        if action == "cut":
            html = html[:at] + html[at + draw(st.integers(1, 400)) :]
        elif action == "dup":
            html = html[:at] + html[at : at + draw(st.integers(1, 800))] * 3 + html[at:]
        elif action in ("open", "close"):
            tag = draw(st.sampled_from(_TAGS))
            html = html[:at] + ("<" if action == "open" else "</") + tag + ">" + html[at:]
        else:
            html = html[:at] + draw(st.text(max_size=40)) + html[at:]
    return html


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_fixture())
def test_mutated_html(html: str) -> None:
    extract_or_error(html)
