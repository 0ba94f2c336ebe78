"""HTML of the demo site: article pages and index pages wrapped in realistic page chrome.

Chrome (cookie banner, masthead, navigation, share bar, related list, footer, scripts) is what
an extractor must leave out; the `<article>` body is what it must find.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from ingest.testing.newsite._content import ArticleContent, BodyBlock, Publication

__all__ = ["Link", "article_page", "index_page"]

_STYLE = """<style>
body{font-family:Georgia,serif;margin:0;color:#222}.masthead{display:flex;gap:2rem;padding:1rem}
.main-nav ul{display:flex;gap:1rem;list-style:none}.cookie-banner{position:fixed;bottom:0;
background:#111;color:#eee;padding:1rem}.share-bar button{margin-right:.5rem}
article{max-width:42rem;margin:auto}.related{max-width:42rem;margin:2rem auto}
footer{background:#f3f3f3;padding:2rem;font-size:.9rem}
</style>"""

_SCRIPT = """<script>
(function(){var b=document.querySelector('.cookie-banner');if(localStorage.getItem('consent'))
{b&&b.remove();}document.querySelectorAll('[data-share]').forEach(function(el){el.addEventListener(
'click',function(){window.open(el.dataset.share,'share','width=600,height=400');});});})();
</script>"""


@dataclass(frozen=True, slots=True)
class Link:
    """A link in an index or related list."""

    url: str
    title: str
    teaser: str = ""


def article_page(
    article: ArticleContent,
    *,
    url: str,
    publication: Publication,
    site_url: str,
    related: Sequence[Link] = (),
    padding: str = "",
) -> str:
    """A full article page; `padding` is extra chrome markup (synthetic pages use it for size)."""
    head = _head(
        title=f"{article.headline} | {publication.name}",
        url=url,
        language=article.language,
        description=next((b.text for b in article.blocks if b.tag == "p"), "")[:200],
        extra=_article_meta(article, url, publication),
        site_url=site_url,
    )
    body = "\n".join(
        [
            _top(publication, site_url),
            "<main>",
            _article(article, site_url),
            _related(related),
            "</main>",
            padding,
            _bottom(publication, site_url),
        ]
    )
    lang = article.language
    return f'<!doctype html>\n<html lang="{lang}">\n{head}\n<body>\n{body}\n</body>\n</html>'


def index_page(
    *,
    title: str,
    url: str,
    publication: Publication,
    site_url: str,
    links: Sequence[Link],
) -> str:
    """A front or section page: a list of article teasers, in the same chrome."""
    items = "\n".join(
        f'<li class="teaser"><h3><a href="{escape(link.url)}">{escape(link.title)}</a></h3>'
        f"<p>{escape(link.teaser)}</p></li>"
        for link in links
    )
    head = _head(
        title=f"{title} | {publication.name}",
        url=url,
        language="en",
        description=f"{title}: the latest from {publication.name}.",
        extra="",
        site_url=site_url,
    )
    body = f'<main><h1>{escape(title)}</h1>\n<ul class="teasers">\n{items}\n</ul></main>'
    return (
        f'<!doctype html>\n<html lang="en">\n{head}\n<body>\n{_top(publication, site_url)}\n'
        f"{body}\n{_bottom(publication, site_url)}\n</body>\n</html>"
    )


def _head(
    *, title: str, url: str, language: str, description: str, extra: str, site_url: str
) -> str:
    return f"""<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)}</title>
<meta name="description" content="{escape(description)}">
<link rel="canonical" href="{escape(url)}">
<meta property="og:url" content="{escape(url)}">
<meta property="og:title" content="{escape(title)}">
<meta property="og:locale" content="{escape(language)}">
<link rel="alternate" type="application/rss+xml" title="RSS" href="{site_url}/rss.xml">
<link rel="alternate" type="application/atom+xml" title="Atom" href="{site_url}/atom.xml">
<link rel="icon" href="{site_url}/favicon.ico">
{extra}
{_STYLE}
</head>"""


def _article_meta(article: ArticleContent, url: str, publication: Publication) -> str:
    data: dict[str, object] = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": article.headline,
        "datePublished": article.published.isoformat(),
        "inLanguage": article.language,
        "mainEntityOfPage": {"@type": "WebPage", "@id": url},
        "url": url,
        "articleSection": article.section.title(),
        "publisher": {"@type": "Organization", "name": publication.name},
    }
    if article.modified:
        data["dateModified"] = article.modified.isoformat()
    if article.author:
        data["author"] = [{"@type": "Person", "name": article.author}]
    if article.keywords:
        data["keywords"] = list(article.keywords)
    ld = json.dumps(data, ensure_ascii=False).replace("</", "<\\/")
    author = f'<meta name="author" content="{escape(article.author)}">' if article.author else ""
    return (
        f'<meta property="og:type" content="article">\n'
        f'<meta property="og:site_name" content="{escape(publication.name)}">\n'
        f'<meta property="article:published_time" content="{article.published.isoformat()}">\n'
        f'{author}\n<script type="application/ld+json">{ld}</script>'
    )


def _top(publication: Publication, site_url: str) -> str:
    sections = "".join(
        f'<li><a href="{site_url}/{s}/">{s.title()}</a></li>' for s in publication.sections
    )
    return f"""<div class="cookie-banner" role="dialog" aria-label="Cookie consent">
<p>We and our 412 partners use cookies to personalise content and measure our audience.</p>
<button>Accept all</button> <button>Reject all</button> <a href="{site_url}/privacy/">Manage</a>
</div>
<header class="masthead"><a class="logo" href="{site_url}/">{escape(publication.name)}</a>
<form role="search" action="{site_url}/search"><input name="q" placeholder="Search"></form>
<a href="{site_url}/subscribe/">Subscribe</a> <a href="{site_url}/login/">Sign in</a></header>
<nav class="main-nav" aria-label="Sections"><ul><li><a href="{site_url}/">Home</a></li>{sections}
<li><a href="{site_url}/video/">Video</a></li><li><a href="{site_url}/opinion/">Opinion</a></li>
</ul></nav>
<div class="ad-slot" data-slot="leaderboard">Advertisement</div>"""


def _article(article: ArticleContent, site_url: str) -> str:
    byline = ""
    if article.author:
        author_slug = article.author.lower().replace(" ", "-").replace(".", "").replace("'", "")
        byline = f'By <a rel="author" href="{site_url}/authors/{author_slug}/">'
        byline += f"{escape(article.author)}</a> · "
    stamp = article.published.strftime("%d %B %Y, %H:%M")
    parts = [
        "<article>",
        f'<p class="kicker"><a href="{site_url}/{article.section}/">'
        f"{escape(article.section.title())}</a></p>",
        f"<h1>{escape(article.headline)}</h1>",
        f'<p class="byline">{byline}<time datetime="{article.published.isoformat()}">'
        f"{stamp}</time></p>",
        _SHARE,
        '<div class="article-body">',
        _blocks(article.blocks),
        "</div>",
        '<p class="tags">Topics: '
        + ", ".join(escape(k) for k in article.keywords or (article.section.title(),))
        + "</p>",
        "</article>",
    ]
    return "\n".join(parts)


_SHARE = """<div class="share-bar" aria-label="Share">
<button data-share="facebook">Facebook</button><button data-share="x">X</button>
<button data-share="whatsapp">WhatsApp</button><button data-share="email">Email</button>
<button data-share="copy">Copy link</button></div>"""


def _blocks(blocks: Sequence[BodyBlock]) -> str:
    out: list[str] = []
    in_list = False
    for block in blocks:
        if block.tag == "li" and not in_list:
            out.append("<ul>")
        elif block.tag != "li" and in_list:
            out.append("</ul>")
        in_list = block.tag == "li"
        text = escape(block.text)
        if block.tag == "figcaption":
            image = '<div class="image" role="img"></div>'
            out.append(f"<figure>{image}<figcaption>{text}</figcaption></figure>")
        else:
            out.append(f"<{block.tag}>{text}</{block.tag}>")
    if in_list:
        out.append("</ul>")
    return "\n".join(out)


def _related(related: Sequence[Link]) -> str:
    if not related:
        return ""
    items = "".join(f'<li><a href="{escape(r.url)}">{escape(r.title)}</a></li>' for r in related)
    return f'<aside class="related"><h2>More on this story</h2><ul>{items}</ul></aside>'


def _bottom(publication: Publication, site_url: str) -> str:
    return f"""<section class="newsletter"><h2>Get the morning briefing</h2>
<form action="{site_url}/newsletter"><input type="email" name="email">
<button>Sign up</button></form>
</section>
<footer><ul><li><a href="{site_url}/about/">About us</a></li>
<li><a href="{site_url}/contact/">Contact</a></li>
<li><a href="{site_url}/privacy/">Privacy policy</a></li>
<li><a href="{site_url}/terms/">Terms</a></li>
<li><a href="mailto:desk@example.invalid">Tips</a></li></ul>
<p>© 2025 {escape(publication.name)}. All rights reserved.</p></footer>
{_SCRIPT}"""
