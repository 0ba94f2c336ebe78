"""read_metadata on small hand-written pages: one test per source, precision and edge case."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from selectolax.lexbor import LexborHTMLParser

from ingest.extract.metadata import read_metadata
from ingest.extract.model import Extracted

URL = "https://news.example.com/world/2021/04/07/some-story"


def meta_of(html: str, url: str | None = URL) -> Extracted:
    return read_metadata(LexborHTMLParser(html), url)


def page(head: str = "", body: str = "", lang: str | None = None) -> str:
    lang_attr = f' lang="{lang}"' if lang is not None else ""
    return f"<!doctype html><html{lang_attr}><head>{head}</head><body>{body}</body></html>"


def jsonld(blob: str) -> str:
    return f'<script type="application/ld+json">{blob}</script>'


# --- title ---------------------------------------------------------------------------------


def test_title_prefers_visible_h1_that_agrees_with_og_title() -> None:
    html = page(
        '<title>Rates rise again | Daily Planet</title><meta property="og:title" '
        'content="Rates rise again">',
        "<h1>Rates rise again</h1>",
    )
    assert meta_of(html).title == "Rates rise again"


def test_title_strips_site_name_suffix_and_prefix_from_document_title() -> None:
    head = '<title>Daily Planet - Rates rise again</title><meta property="og:site_name" '
    head += 'content="Daily Planet">'
    assert meta_of(page(head)).title == "Rates rise again"
    head = "<title>Rates rise again | Daily Planet</title>"
    head += '<meta property="og:site_name" content="Daily Planet">'
    assert meta_of(page(head)).title == "Rates rise again"


def test_title_strips_suffix_matching_the_host_name() -> None:
    html = page("<title>Rates rise again – Example News</title>")
    assert meta_of(html, "https://www.examplenews.com/a").title == "Rates rise again"


def test_title_keeps_colon_inside_headline() -> None:
    html = page("<title>Brexit: what happens next</title>", "<h1>Brexit: what happens next</h1>")
    assert meta_of(html).title == "Brexit: what happens next"


def test_title_ignores_h1_holding_the_site_logo() -> None:
    html = page(
        '<meta property="og:title" content="Rates rise again">',
        "<h1>Daily Planet</h1><h2>Rates rise again</h2>",
    )
    assert meta_of(html).title == "Rates rise again"


def test_title_from_jsonld_headline_with_entities() -> None:
    html = page(jsonld('{"@type": "NewsArticle", "headline": "Fish &amp; chips"}'))
    assert meta_of(html).title == "Fish & chips"


def test_title_none_when_page_has_none() -> None:
    assert meta_of(page(body="<p>text</p>")).title is None


# --- authors -------------------------------------------------------------------------------


def test_authors_from_jsonld_people_not_publisher_organisation() -> None:
    blob = """{"@type": "NewsArticle", "author": [
        {"@type": "Person", "name": "Ada Lovelace"},
        {"@type": "Person", "name": "By Charles Babbage"},
        {"@type": "Organization", "name": "Daily Planet"}]}"""
    assert meta_of(page(jsonld(blob))).authors == ("Ada Lovelace", "Charles Babbage")


def test_authors_from_jsonld_graph_reference() -> None:
    blob = """{"@context": "https://schema.org", "@graph": [
        {"@type": "Article", "headline": "H", "author": {"@id": "#ada"}},
        {"@type": "Person", "@id": "#ada", "name": "Ada Lovelace"}]}"""
    assert meta_of(page(jsonld(blob))).authors == ("Ada Lovelace",)


def test_authors_from_meta_split_and_deduplicated() -> None:
    head = '<meta name="author" content="By Ada Lovelace and Charles Babbage">'
    head += '<meta name="author" content="ada lovelace">'
    assert meta_of(page(head)).authors == ("Ada Lovelace", "Charles Babbage")


def test_article_author_url_is_not_a_name() -> None:
    head = '<meta property="article:author" content="https://www.facebook.com/ada">'
    assert meta_of(page(head)).authors == ()


def test_authors_from_microdata_and_rel_author() -> None:
    body = '<span itemprop="author" itemscope><span itemprop="name">Ada Lovelace</span></span>'
    assert meta_of(page(body=body)).authors == ("Ada Lovelace",)
    body = '<a rel="author" href="/ada">Ada Lovelace</a>'
    assert meta_of(page(body=body)).authors == ("Ada Lovelace",)


def test_authors_from_visible_byline_only_when_it_looks_like_a_name() -> None:
    body = '<div class="article-byline">By Ada Lovelace</div>'
    assert meta_of(page(body=body)).authors == ("Ada Lovelace",)
    body = '<div class="byline">Updated 10:04 on 7 April 2021</div>'
    assert meta_of(page(body=body)).authors == ()


# --- dates ---------------------------------------------------------------------------------


def test_published_from_jsonld_with_offset_is_aware_second_precision() -> None:
    html = page(jsonld('{"@type":"NewsArticle","datePublished":"2021-04-07T10:04:05+02:00"}'))
    published = meta_of(html).published
    assert published is not None
    assert published.value == datetime(2021, 4, 7, 10, 4, 5, tzinfo=timezone(timedelta(hours=2)))
    assert (published.precision, published.source) == ("second", "json-ld")


def test_published_from_meta_without_offset_stays_naive_minute_precision() -> None:
    html = page('<meta property="article:published_time" content="2021-04-07T10:04">')
    published = meta_of(html).published
    assert published is not None
    assert published.value == datetime(2021, 4, 7, 10, 4)
    assert published.value.tzinfo is None
    assert (published.precision, published.source) == ("minute", "meta")


def test_published_from_time_element_day_precision() -> None:
    html = page(body='<article><time datetime="2021-04-06">6 April</time></article>')
    published = meta_of(html, "https://example.com/story").published
    assert published is not None
    assert (published.value, published.precision, published.source) == (
        datetime(2021, 4, 6),
        "day",
        "time",
    )


def test_undeclared_time_that_disagrees_with_url_loses_to_url() -> None:
    html = page(body='<time datetime="2022-01-01T09:00:00Z">clock</time>')
    published = meta_of(html).published
    assert published is not None
    assert (published.value, published.precision, published.source) == (
        datetime(2021, 4, 7),
        "day",
        "url",
    )


def test_published_from_visible_text() -> None:
    html = page(body='<p class="post-date">Published April 7, 2021 at 3:15 pm</p>')
    published = meta_of(html, None).published
    assert published is not None
    assert (published.value, published.precision, published.source) == (
        datetime(2021, 4, 7, 15, 15),
        "minute",
        "text",
    )


def test_modified_from_meta_and_missing_dates_are_none() -> None:
    html = page('<meta property="article:modified_time" content="2021-04-08T00:00:00Z">')
    extracted = meta_of(html, None)
    assert extracted.modified is not None
    assert extracted.modified.value == datetime(2021, 4, 8, tzinfo=UTC)
    assert extracted.published is None


@pytest.mark.parametrize("raw", ["0000-00-00", "not a date", "", "{{date}}", "9999-12-31"])
def test_placeholder_dates_are_ignored(raw: str) -> None:
    html = page(f'<meta property="article:published_time" content="{raw}">')
    assert meta_of(html, None).published is None


# --- language ------------------------------------------------------------------------------


def test_language_from_html_lang_normalised() -> None:
    extracted = meta_of(page(lang="en_us"))
    assert (extracted.language, extracted.language_source) == ("en-US", "html-lang")


def test_language_from_meta_when_html_lang_missing_or_bogus() -> None:
    html = page('<meta property="og:locale" content="fr_FR">', lang="{{lang}}")
    extracted = meta_of(html)
    assert (extracted.language, extracted.language_source) == ("fr-FR", "meta")


def test_language_none_when_undeclared() -> None:
    extracted = meta_of(page(body="<p>Bonjour</p>"))
    assert (extracted.language, extracted.language_source) == (None, None)


# --- urls and the rest ---------------------------------------------------------------------


def test_canonical_and_amp_resolved_against_url() -> None:
    head = '<link rel="canonical" href="/world/story"><link rel="amphtml" href="amp/story">'
    extracted = meta_of(page(head), "https://news.example.com/world/x?utm=1")
    assert extracted.canonical_url == "https://news.example.com/world/story"
    assert extracted.amp_url == "https://news.example.com/world/amp/story"


def test_canonical_falls_back_to_og_url_and_rejects_non_web_schemes() -> None:
    head = '<link rel="canonical" href="javascript:void(0)">'
    head += '<meta property="og:url" content="https://news.example.com/a">'
    assert meta_of(page(head)).canonical_url == "https://news.example.com/a"
    assert meta_of(page('<link rel="canonical" href="/a">'), None).canonical_url is None


def test_other_fields_from_meta_and_jsonld() -> None:
    blob = """{"@type": ["Article", "NewsArticle"], "isAccessibleForFree": "False",
        "keywords": ["Economy", "rates"], "articleSection": "Business",
        "publisher": {"@type": "Organization", "name": "Daily Planet"},
        "image": {"@type": "ImageObject", "url": "/img/lead.jpg"}}"""
    head = jsonld(blob) + '<meta name="description" content="Why rates rose.">'
    head += '<meta property="article:tag" content="Economy"><meta name="keywords" content="a, b">'
    extracted = meta_of(page(head))
    assert extracted.is_free_access is False
    assert extracted.page_type == "NewsArticle"
    assert extracted.section == "Business"
    assert extracted.site_name == "Daily Planet"
    assert extracted.description == "Why rates rose."
    assert extracted.tags == ("Economy", "a", "b", "rates")
    assert extracted.image == "https://news.example.com/img/lead.jpg"
    assert extracted.blocks == ()
    assert extracted.url == URL


@pytest.mark.parametrize(("raw", "expected"), [("true", True), (True, True), ("maybe", None)])
def test_is_free_access_values(raw: object, expected: bool | None) -> None:
    value = f'"{raw}"' if isinstance(raw, str) else str(raw).lower()
    html = page(jsonld(f'{{"@type": "NewsArticle", "isAccessibleForFree": {value}}}'))
    assert meta_of(html).is_free_access is expected


def test_page_type_from_og_type_without_jsonld() -> None:
    assert meta_of(page('<meta property="og:type" content="article">')).page_type == "article"


# --- JSON-LD robustness --------------------------------------------------------------------


def test_broken_jsonld_is_skipped_with_a_warning_and_others_still_read() -> None:
    head = jsonld('{"@type": "NewsArticle", "headline": ') + jsonld(
        '{"@type": "NewsArticle", "headline": "Second block",}'
    )
    extracted = meta_of(page(head))
    assert extracted.title == "Second block"
    assert any("block 0" in warning for warning in extracted.warnings)


def test_jsonld_main_entity_and_lists_are_found() -> None:
    blob = """[{"@type": "WebSite", "name": "Daily Planet"},
        {"@type": "WebPage", "mainEntity": {"@type": "NewsArticle", "headline": "Nested",
         "datePublished": "2021-04-07"}}]"""
    extracted = meta_of(page(jsonld(blob)))
    assert extracted.title == "Nested"
    assert extracted.published is not None and extracted.published.source == "json-ld"
    assert extracted.site_name == "Daily Planet"


def test_huge_and_deeply_nested_jsonld_is_bounded() -> None:
    deep = "[" * 100_000 + "]" * 100_000
    huge = '{"@type": "NewsArticle", "headline": "' + "x" * 3_000_000 + '"}'
    extracted = meta_of(page(jsonld(deep) + jsonld(huge)))
    assert extracted.title is None
    assert len(extracted.warnings) == 2


def test_tree_is_not_mutated() -> None:
    html = page(
        jsonld('{"@type": "NewsArticle", "headline": "H"}') + "<title>H | Site</title>",
        '<h1>H</h1><div class="byline">By Ada</div><p>Body</p>',
    )
    tree = LexborHTMLParser(html)
    before = tree.html
    meta_of(html)
    read_metadata(tree, URL)
    assert tree.html == before


# --- fallbacks on pages without machine-readable metadata ------------------------------------


@pytest.mark.parametrize(
    ("text", "expected", "precision"),
    [
        ("publiziert am 25. September 2018", datetime(2018, 9, 25), "day"),
        ("segunda-feira, 22 de janeiro de 2018 às 0:13", datetime(2018, 1, 22, 0, 13), "minute"),
        ("30 avril 2015 à 07:19", datetime(2015, 4, 30, 7, 19), "minute"),
        ("2016年10月14日07:17", datetime(2016, 10, 14, 7, 17), "minute"),
        ("Posted 2018-09-28 17:32:05", datetime(2018, 9, 28, 17, 32, 5), "second"),
        ("Updated March 5, 2019 · Published March 1, 2019", datetime(2019, 3, 1), "day"),
        ("Updated April 29, 2019 at 3:33 pm", datetime(2019, 4, 29, 15, 33), "minute"),
    ],
)
def test_written_dates_in_several_languages(text: str, expected: datetime, precision: str) -> None:
    published = meta_of(page(body=f'<span class="pubdate">{text}</span>'), None).published
    assert published is not None
    assert (published.value, published.precision, published.source) == (
        expected,
        precision,
        "text",
    )


def test_date_beside_the_byline_without_a_date_class() -> None:
    body = '<div><span><a class="author-link">Ada Lovelace</a></span><span>25 May 2020</span></div>'
    published = meta_of(page(body=body), None).published
    assert published is not None and published.value == datetime(2020, 5, 25)


def test_dotted_day_in_document_title_is_the_last_resort() -> None:
    published = meta_of(page("<title>Story - 07.12.2017 - Paper</title>"), None).published
    assert published is not None
    assert (published.value, published.precision) == (datetime(2017, 12, 7), "day")


def test_author_from_posted_on_line_but_not_from_prose() -> None:
    body = '<div>Posted on <span class="postdate">May 2, 2019</span> by Admin</div>'
    assert meta_of(page(body=body), None).authors == ("Admin",)
    body = '<p>Five people were <span class="date">May 2, 2019</span> hurt by falling rocks.</p>'
    assert meta_of(page(body=body), None).authors == ()


def test_comment_form_author_field_is_not_a_byline() -> None:
    body = '<div class="comment-form-author"><label>Name (required)</label></div>'
    assert meta_of(page(body=body), None).authors == ()


def test_organisation_author_gives_way_to_a_person_named_elsewhere() -> None:
    blob = '{"@type": "NewsArticle", "author": {"@type": "Organization", "name": "Sky"}}'
    with_person = page(jsonld(blob), '<p class="byline">Tom Gillespie</p>')
    assert meta_of(with_person).authors == ("Tom Gillespie",)
    assert meta_of(page(jsonld(blob))).authors == ("Sky",)


def test_byline_parts_naming_the_site_are_dropped() -> None:
    head = '<meta name="author" content="By Jill Disis, CNN Business">'
    assert meta_of(page(head), "https://www.cnn.com/a").authors == ("Jill Disis",)
    head = '<meta name="dc.creator" content="Mac &amp; i"><meta property="og:site_name" '
    head += 'content="Mac &amp; i">'
    assert meta_of(page(head)).authors == ()


def test_byline_with_parenthesised_co_authors_in_another_language() -> None:
    head = '<meta name="author" content="Martin Untersinger (avec Damien Leloup et Morgane Tual)">'
    assert meta_of(page(head)).authors == ("Martin Untersinger", "Damien Leloup", "Morgane Tual")


def test_jsonld_person_name_keeps_its_parentheses() -> None:
    blob = '{"@type": "NewsArticle", "author": {"@type": "Person", "name": "Bruno (B.) Silva"}}'
    assert meta_of(page(jsonld(blob))).authors == ("Bruno (B.) Silva",)


def test_h1_with_an_extra_word_still_beats_the_document_title() -> None:
    html = page(
        "<title>Skyrim running speed how to raise it</title>",
        "<h1>Skyrim (skyrim) running speed how to raise it</h1>",
    )
    assert meta_of(html).title == "Skyrim (skyrim) running speed how to raise it"


def test_headline_that_merely_starts_with_the_site_name_is_kept() -> None:
    head = "<title>The Guardian view on Hong Kong: a city on the brink | Opinion | The Guardian"
    head += '</title><meta property="og:site_name" content="the Guardian">'
    assert meta_of(page(head)).title == "The Guardian view on Hong Kong: a city on the brink"


def test_document_title_alone_keeps_the_part_that_dwarfs_the_others() -> None:
    html = page("<title>Get your Frontend JavaScript Code Covered | Code | Nicolas P</title>")
    assert meta_of(html, None).title == "Get your Frontend JavaScript Code Covered"
    html = page("<title>Chapter 1 - Boku no Hero | My Hero Academia</title>")
    assert meta_of(html, None).title == "Chapter 1 - Boku no Hero | My Hero Academia"


def test_heading_anchor_glyphs_are_not_part_of_the_title() -> None:
    html = page(
        "<title>Evolve: Shared Mutable History</title>", "<h1>Evolve: Shared Mutable History ¶</h1>"
    )
    assert meta_of(html, None).title == "Evolve: Shared Mutable History"


LONG_SPANISH = (
    "<p>El gobierno anunció el martes un nuevo plan para reducir la inflación, que según los "
    "economistas consultados por este diario podría tardar meses en mostrar resultados. "
    "La oposición criticó la medida y pidió que el ministro explique en el Congreso cómo se "
    "financiará el programa, mientras los sindicatos convocaron a una marcha para el jueves.</p>"
)


def test_language_detected_from_running_text_when_undeclared() -> None:
    extracted = meta_of(page(body="<ul><li>Inicio</li><li>Deportes</li></ul>" + LONG_SPANISH))
    assert (extracted.language, extracted.language_source) == ("es", "detected")


def test_language_not_detected_from_too_little_text_or_from_scripts() -> None:
    assert meta_of(page(body="<p>Hola, mundo. Hasta luego.</p>")).language is None
    script_cell = "<td><script>var a = {x: 1}; function f(b, c) { return b + c; }</script></td>"
    assert meta_of(page(body=f"<table><tr>{script_cell * 20}</tr></table>")).language is None


@pytest.mark.parametrize(
    ("byline", "expected"),
    [
        ("LISA MASCARO and ERIC TUCKER Associated Press", ("LISA MASCARO", "ERIC TUCKER")),
        ("Paul Takahashi, Staff writer", ("Paul Takahashi",)),
        ("Ilana Muhlstein, MS, RDN", ("Ilana Muhlstein",)),
        ("Analysis by Chris Cillizza, CNN Editor-at-large", ("Chris Cillizza",)),
        ("Meg Kinnard, Errin Haines, Associated Press", ("Meg Kinnard", "Errin Haines")),
        ("Текст: Лида Буслаева", ("Лида Буслаева",)),
        ("The Associated Press", ("The Associated Press",)),
        ("Staff Reports", ("Staff Reports",)),
    ],
)
def test_roles_degrees_and_agency_credits_leave_the_names(
    byline: str, expected: tuple[str, ...]
) -> None:
    assert meta_of(page(f'<meta name="author" content="{byline}">')).authors == expected


def test_visible_byline_is_cut_where_its_date_starts() -> None:
    body = '<p class="byline">by Jeff Foust Monday, November 18, 2019</p>'
    assert meta_of(page(body=body), None).authors == ("Jeff Foust",)


@pytest.mark.parametrize(
    ("byline", "expected"),
    [
        ("View my complete profile", ()),
        ("Ludwig van Beethoven", ("Ludwig van Beethoven",)),
        ("rmb8090", ("rmb8090",)),
        ("data", ()),
        ("Nathan Willis March 25, 2015 10:04", ("Nathan Willis",)),
        ("肖春芳", ("肖春芳",)),
    ],
)
def test_visible_bylines_must_look_like_names(byline: str, expected: tuple[str, ...]) -> None:
    assert meta_of(page(body=f'<div class="author-box">{byline}</div>'), None).authors == expected


def test_article_node_with_a_headline_wins_over_a_review_wrapper() -> None:
    blob = """[{"@type": "Review", "author": {"@type": "Person", "name": "Nobody"}},
        {"@type": "Article", "headline": "Console review", "datePublished": "2017-11-03",
         "author": {"@type": "Person", "name": "Devindra Hardawar"}}]"""
    extracted = meta_of(page(jsonld(blob)))
    assert (extracted.title, extracted.authors, extracted.page_type) == (
        "Console review",
        ("Devindra Hardawar",),
        "Article",
    )


def test_byline_inside_the_article_beats_a_teaser_byline_before_it() -> None:
    body = '<aside><p class="byline">By Sidebar Writer</p></aside>'
    body += '<article><p class="byline">By Story Author</p><p>Text.</p></article>'
    assert meta_of(page(body=body), None).authors == ("Story Author",)


def test_rel_author_link_text_must_look_like_a_name() -> None:
    body = (
        '<a rel="author" href="/u/1">Andrew Smith</a><a rel="author">View my complete profile</a>'
    )
    assert meta_of(page(body=body), None).authors == ("Andrew Smith",)


IST = timezone(timedelta(hours=5, minutes=30))


@pytest.mark.parametrize(
    ("raw", "value", "precision"),
    [
        ("2019-11-20T01:41:20+05:30", datetime(2019, 11, 20, 1, 41, 20, tzinfo=IST), "second"),
        ("2019-11-20T01:41:20.123+0530", datetime(2019, 11, 20, 1, 41, 20, 123000, IST), "second"),
        ("2019-11-20T01:41Z", datetime(2019, 11, 20, 1, 41, tzinfo=UTC), "minute"),
        ("2019-11-20 01:41:20 GMT", datetime(2019, 11, 20, 1, 41, 20, tzinfo=UTC), "second"),
        ("2019-11-20 01:41:20 EST", datetime(2019, 11, 20, 1, 41, 20), "second"),
        (
            "2019-11-20T01:41:20+00:00 (UTC)",
            datetime(2019, 11, 20, 1, 41, 20, tzinfo=UTC),
            "second",
        ),
        (
            "Wed, 20 Nov 2019 01:41:20 +0000",
            datetime(2019, 11, 20, 1, 41, 20, tzinfo=UTC),
            "second",
        ),
        ("Wed, 20 Nov 2019 01:41:20 -0000", datetime(2019, 11, 20, 1, 41, 20), "second"),
        ("2019-11-20", datetime(2019, 11, 20), "day"),
    ],
)
def test_meta_date_formats_keep_the_stated_zone_and_no_other(
    raw: str, value: datetime, precision: str
) -> None:
    html = page(f'<meta property="article:published_time" content="{raw}">')
    published = meta_of(html, None).published
    assert published is not None
    assert (published.value, published.precision, published.source) == (value, precision, "meta")
    assert (published.value.tzinfo is None) == (value.tzinfo is None)


def test_og_title_that_is_only_the_site_name_is_no_headline() -> None:
    head = '<meta property="og:title" content="Daily Planet">'
    head += '<meta property="og:site_name" content="Daily Planet">'
    head += "<title>Rates rise again | Daily Planet</title>"
    assert meta_of(page(head, "<h1>Daily Planet</h1>"), None).title == "Rates rise again"


def test_short_headline_containing_the_site_name_is_kept() -> None:
    head = '<meta property="og:title" content="Google I/O 2019">'
    assert meta_of(page(head), "https://www.google.com/io").title == "Google I/O 2019"


def test_leading_part_must_be_the_site_name_itself_to_go() -> None:
    html = page("<title>Google I/O 2019 - Keynote highlights and every announcement</title>")
    assert meta_of(html, "https://www.google.com/io").title.startswith("Google I/O 2019")
    html = page(
        '<title>BBC News - Rates rise</title><meta property="og:site_name" content="BBC News">'
    )
    assert meta_of(html, None).title == "Rates rise"


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        (
            "DeepMind新电脑已可利用记忆自学 人工智能迈上新台阶_科技_腾讯网",
            "DeepMind新电脑已可利用记忆自学 人工智能迈上新台阶",
        ),
        ("記事のタイトルはここにあります｜ノート", "記事のタイトルはここにあります"),
        ("my_variable_name in python explained", "my_variable_name in python explained"),
    ],
)
def test_cjk_title_separators(title: str, expected: str) -> None:
    assert meta_of(page(f"<title>{title}</title>"), None).title == expected


def test_time_element_marked_as_update_is_not_the_publication() -> None:
    body = '<article><time class="entry-date updated" datetime="2021-05-02">May 2</time>'
    body += '<time class="entry-date published" datetime="2021-04-30">Apr 30</time></article>'
    published = meta_of(page(body=body), None).published
    assert published is not None and published.value == datetime(2021, 4, 30)


def test_written_date_classed_as_update_goes_after_the_publication() -> None:
    body = '<span class="date-updated">May 2, 2021</span><span class="date">April 30, 2021</span>'
    published = meta_of(page(body=body), None).published
    assert published is not None and published.value == datetime(2021, 4, 30)
