"""The article body: which text survives, in what order, as which kind of block."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.extract import Block, extract

FIXTURES = Path(__file__).parent / "fixtures"


def body(html: str) -> list[Block]:
    return list(extract(html).blocks)


def texts(html: str) -> list[str]:
    return [b.text for b in body(html)]


def page(inner: str, title: str = "A headline for the test page") -> str:
    return f"<html><head><title>{title}</title></head><body>{inner}</body></html>"


PROSE = (
    "This sentence is long enough to read as a real paragraph of an article, with commas, "
    "clauses and more than a few words in it."
)


@pytest.fixture(scope="module")
def chrome_page() -> list[Block]:
    return body((FIXTURES / "chrome_page.html").read_text(encoding="utf-8"))


def test_seed_000_chrome_does_not_survive(chrome_page: list[Block]) -> None:
    text = "\n".join(b.text for b in chrome_page)
    for chrome in ("Close Menu", "Trending", "Keep Reading", "Sign In or Register"):
        assert chrome not in text
    for chrome in ("Facebook", "Copy Link", "By Jane Example", "May 23, 2025", "Cookie"):
        assert chrome.lower() not in text.lower()
    for elsewhere in ("Fishing fleet", "What a wonderful piece", "Editors Picks", "Copyright"):
        assert elsewhere not in text


def test_article_blocks_come_in_order_with_their_kinds(chrome_page: list[Block]) -> None:
    kinds = [(b.kind, b.text.split()[0]) for b in chrome_page]
    assert kinds == [
        ("paragraph", "After"),
        ("paragraph", "The"),
        ("heading", "A"),
        ("paragraph", "Although"),
        ("quote", "We"),
        ("paragraph", "Visitors"),
        ("list_item", "Adults"),
        ("list_item", "Children"),
        ("table_row", "Day"),
        ("table_row", "Weekdays"),
        ("preformatted", "Lamp"),
        ("paragraph", "The"),  # the figure caption: a block the record keeps
        ("paragraph", "The"),
    ]


def test_headline_is_not_part_of_the_body(chrome_page: list[Block]) -> None:
    assert all("Restored Lighthouse" not in b.text for b in chrome_page)


def test_blocks_are_single_lines_with_collapsed_space(chrome_page: list[Block]) -> None:
    for block in chrome_page:
        assert block.text == " ".join(block.text.split())
        assert "\xa0" not in block.text
    assert "paid for by a local trust" in chrome_page[1].text
    assert chrome_page[9].text == "Weekdays | 10:00 to 16:00"
    assert chrome_page[10].text == "Lamp height: 31 m Range: 18 nautical miles"


def test_leading_copy_of_the_title_is_dropped_but_later_text_stays() -> None:
    html = page(
        f"<article><h1>Big News Today</h1><p>{PROSE}</p><p>Big News Today</p></article>",
        title="Big News Today",
    )
    assert texts(html) == [PROSE, "Big News Today"]


def test_hidden_elements_are_left_out() -> None:
    html = page(
        f"<article><p>{PROSE}</p><p hidden>hidden attribute text</p>"
        '<div style="display: none">styled away text</div>'
        '<div aria-hidden="true">aria hidden text</div></article>'
    )
    assert texts(html) == [PROSE]


def test_teaser_list_next_to_the_article_is_left_out() -> None:
    teasers = "".join(
        f'<li><h3><a href="/t/{i}">Teaser headline number {i} for another story</a></h3>'
        f"<p>{PROSE} Summary {i}.</p></li>"
        for i in range(4)
    )
    html = page(
        f"<div><article><p>{PROSE}</p><p>{PROSE} Two.</p></article><ul>{teasers}</ul></div>"
    )
    assert texts(html) == [PROSE, f"{PROSE} Two."]


def test_paragraphs_split_by_line_breaks_become_blocks() -> None:
    html = page(f"<div>{PROSE}<br><br>{PROSE} Again.</div>")
    assert texts(html) == [PROSE, f"{PROSE} Again."]


def test_tiny_page_without_structure_keeps_its_text() -> None:
    assert texts("<p>Hello there</p>") == ["Hello there"]


def test_page_without_body_element_still_gives_text() -> None:
    assert texts(f"<title>Only a title</title>{PROSE}") == [PROSE]


def test_link_only_lines_inside_the_article_are_dropped() -> None:
    html = page(f'<article><p>{PROSE}</p><p><a href="/x">Read more about this</a></p></article>')
    assert texts(html) == [PROSE]


def test_a_sentence_that_is_mostly_a_link_stays_but_a_link_with_a_label_does_not() -> None:
    own = "Thanks to a new contributor, users can now "
    link = "import saved logins from other apps into the browser"
    sentence = own + link
    linked = f'{own}<a href="/bug/1">{link}</a>'
    html = page(
        f"<article><p>{PROSE}</p><ul><li>{PROSE}</li><li>{linked}</li></ul>"
        f'<p>Related: <a href="/other">Another story on the same subject</a></p></article>'
    )
    assert texts(html) == [PROSE, PROSE, sentence]


def test_a_list_of_links_inside_the_article_is_left_out_item_by_item() -> None:
    links = "".join(
        f'<li><a href="/s{i}">Another story number {i} on this</a></li>' for i in range(5)
    )
    html = page(f"<article><p>{PROSE}</p><p>{PROSE}</p><ul>{links}</ul></article>")
    assert texts(html) == [PROSE, PROSE]


@pytest.mark.parametrize("wrap", [False, True])
def test_a_story_split_by_a_teaser_box_keeps_its_short_first_part(wrap: bool) -> None:
    first = "The short first part of the story, before the box: " + PROSE
    rest = "".join(f"<p>{PROSE} Part two, paragraph {i}.</p>" for i in range(12))
    teasers = "".join(f'<li><a href="/t{i}">Teaser headline number {i}</a></li>' for i in range(4))
    parts = [
        f'<div class="story-body story-body-1"><p>{first}</p></div>',
        f'<div class="story-body story-body-2">{rest}</div>',
    ]
    if wrap:  # each part in a wrapper of its own, as some sites do
        parts = [f'<div class="story-part">{part}</div>' for part in parts]
    html = page(f"<article>{parts[0]}<div class=box><ul>{teasers}</ul></div>{parts[1]}</article>")
    found = texts(html)
    assert found[0] == first
    assert len(found) == 13 and not any("Teaser" in line for line in found)


def test_nested_paragraphs_in_list_items_and_quotes_keep_the_outer_kind() -> None:
    html = page(
        f"<article><p>{PROSE}</p><ul><li><p>inside a list item</p></li></ul>"
        "<blockquote><p>inside a quote</p></blockquote><h2>A <em>sub</em>heading</h2></article>"
    )
    assert body(html)[1:] == [
        Block("list_item", "inside a list item"),
        Block("quote", "inside a quote"),
        Block("heading", "A subheading"),
    ]


def test_stray_markup_shown_as_text_is_dropped_but_code_samples_stay() -> None:
    pixel = '&lt;img src="https://pixel.example/track?id=1234567890&amp;page=a" width="1"&gt;'
    html = page(f'{pixel}<p>{PROSE}</p><pre>&lt;script src="app.js"&gt;&lt;/script&gt;</pre>')
    assert texts(html) == [PROSE, '<script src="app.js"></script>']


def test_a_page_made_only_of_teasers_keeps_them() -> None:
    teasers = "".join(
        f'<div><h3><a href="/t/{i}">Teaser headline number {i}</a></h3><p>{PROSE} {i}</p></div>'
        for i in range(5)
    )
    assert texts(page(f"<section>{teasers}</section>")) == [f"{PROSE} {i}" for i in range(5)]
