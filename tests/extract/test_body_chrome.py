"""Which class names, ids and attributes mark page chrome (a pure function, no page needed)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ingest.extract._boiler import _general_name_words, _lower_name_words, element_verdict

HIDDEN, NOTHING, WEAK, CHROME = -1, 0, 1, 2


@pytest.mark.parametrize(
    ("attrs", "verdict"),
    [
        ({"class": "share-buttons"}, CHROME),
        ({"class": "c-social__bar"}, CHROME),
        ({"class": "relatedPosts"}, CHROME),
        ({"class": "most-read"}, CHROME),
        ({"class": "commentlist"}, CHROME),
        ({"id": "comments", "class": "comments-area"}, CHROME),
        ({"class": "cookie-banner"}, CHROME),
        ({"class": "ad-slot"}, CHROME),
        ({"role": "navigation"}, CHROME),
        ({"class": "entry-meta"}, WEAK),  # a core word beside a chrome word: only when small
        ({"class": "article-body"}, NOTHING),
        ({"class": "entry-content"}, NOTHING),
        ({"class": "commentary-body"}, NOTHING),
        ({"class": "shadow header-content load-more"}, NOTHING),
        ({"class": "layout has-sidebar"}, NOTHING),  # a layout flag, not the sidebar itself
        ({"class": "grid--with-right-rail"}, NOTHING),
        ({"class": "page nav-open"}, NOTHING),  # a state put on a wrapper
        ({"class": "sidebar", "itemprop": "articleBody"}, NOTHING),  # the page says so
        ({"hidden": None}, HIDDEN),
        ({"aria-hidden": "true", "class": "story"}, HIDDEN),
        ({"style": "color: red; display : none"}, HIDDEN),
        ({"style": "color: red"}, NOTHING),
    ],
)
def test_element_verdict(attrs: dict[str, str | None], verdict: int) -> None:
    assert element_verdict(attrs) == verdict


@pytest.mark.parametrize(
    "cls",
    [
        "share-buttons",
        "entry-meta",
        "article-body",
        "layout has-sidebar",
        "page nav-open",
        "",
        "  ",
        "wp-block-group__inner-container",
        "shareBar MostRead",
    ],
)
def test_a_class_alone_gets_the_verdict_of_the_general_path(cls: str) -> None:
    # A class-only element takes a shorter path; an attribute that says nothing about chrome
    # sends the same class through the general one, and the two must agree.
    assert element_verdict({"class": cls}) == element_verdict({"class": cls, "data-id": "7"})


def test_a_class_without_a_value_says_nothing() -> None:
    assert element_verdict({"class": None}) == NOTHING


@pytest.mark.parametrize(
    ("style", "verdict"),
    [
        ("DISPLAY : NONE", HIDDEN),
        ("Visibility: Hidden", HIDDEN),
        ("visibility:h\u0131dden", HIDDEN),  # the regex's case-insensitive "i" takes a dotless one
        ("display:block; border: none", NOTHING),
        ("visibility: visible", NOTHING),
    ],
)
def test_hidden_styles_in_any_case(style: str, verdict: int) -> None:
    assert element_verdict({"style": style}) == verdict


@given(st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-_ é", max_size=80))
@pytest.mark.parametrize("example", ["most-read", "sr-only", "résumé", "col-md-6", "x" * 500])
def test_names_without_capitals_split_as_the_general_path_splits_them(
    example: str, generated: str
) -> None:
    for name in (example, generated):
        assert _lower_name_words(name) == _general_name_words(name)
