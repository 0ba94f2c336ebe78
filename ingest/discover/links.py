"""Links worth following on an HTML page, URL lists, and the policy for following links.

Pure: takes page text (never bytes: the fetcher decodes) and returns canonical URLs.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from selectolax.lexbor import LexborHTMLParser

from ingest.discover._entries import canonical_or_reject
from ingest.discover.model import DiscoveredURL, Rejected, RejectHandler, log_rejected
from ingest.urls import InvalidURL, canonicalize_url, site_of

__all__ = ["ASSET_EXTENSIONS", "LinkFollowPolicy", "Pattern", "extract_links", "parse_url_list"]

Pattern = str | re.Pattern[str]

ASSET_EXTENSIONS = frozenset(
    """
    jpg jpeg png gif webp avif svg ico bmp tif tiff pdf css js mjs json xml rss atom zip gz tgz
    bz2 xz 7z rar tar mp3 mp4 m4a m4v mov avi wmv webm ogg oga ogv wav flac mkv woff woff2 ttf
    otf eot doc docx xls xlsx ppt pptx odt ods epub exe dmg apk msi iso bin txt csv
    """.split()
)
"""Path suffixes (lower-case, without the dot) that are never articles."""


def extract_links(
    html: str,
    page_url: str,
    *,
    same_site: bool = True,
    include: Iterable[Pattern] = (),
    exclude: Iterable[Pattern] = (),
) -> list[str]:
    """Canonical http(s) links of `<a href>` / `<area href>` on the page, in page order, once each.

    Honours `<base href>`; raises `InvalidURL` if `page_url` itself is not usable. Skips the
    page itself, other schemes (mailto, javascript, tel, …), asset files, and with `same_site`
    links to another site (`www.` ignored). A link must match one `include` pattern when any
    are given, and no `exclude` pattern (`re.search`).
    """
    includes, excludes = _compile(include), _compile(exclude)
    tree = LexborHTMLParser(html)
    base_node = tree.css_first("base[href]")
    base = _resolve(base_node.attributes.get("href"), page_url) if base_node else None
    page = canonicalize_url(page_url)  # an unusable page URL is the caller's error: raise
    page_site = site_of(page)
    found: dict[str, None] = {}
    for node in tree.css("a[href], area[href]"):
        url = _resolve(node.attributes.get("href"), base or page_url)
        if url is None or url == page or url in found or _is_asset(url):
            continue
        if same_site and site_of(url) != page_site:
            continue
        if includes and not any(p.search(url) for p in includes):
            continue
        if any(p.search(url) for p in excludes):
            continue
        found[url] = None
    return list(found)


def parse_url_list(text: str, *, on_reject: RejectHandler = log_rejected) -> list[str]:
    """Canonical URLs from text with one URL a line; blank lines and `#` comments skipped.

    A line that is not an absolute http(s) URL goes to `on_reject` (with its line number) and
    the rest of the list is kept. Repeats are dropped, first occurrence wins.
    """
    found: dict[str, None] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        entry = line.split(" #", 1)[0].strip()
        if not entry or entry.startswith("#"):
            continue
        try:
            found.setdefault(canonicalize_url(entry))
        except InvalidURL as exc:
            on_reject(Rejected(entry, f"line {number}", exc.reason))
    return list(found)


@dataclass(frozen=True, slots=True, kw_only=True)
class LinkFollowPolicy:
    """How far link following may go: depth from a seed page, pages in all, URL patterns.

    Patterns may be strings or compiled expressions; they are stored compiled, as tuples.
    """

    max_depth: int = 1
    max_pages: int = 1000
    include: Sequence[Pattern] = ()
    exclude: Sequence[Pattern] = ()
    same_site: bool = True

    def __post_init__(self) -> None:
        if self.max_depth < 0 or self.max_pages < 0:
            raise ValueError("max_depth and max_pages must not be negative")
        object.__setattr__(self, "include", _compile(self.include))
        object.__setattr__(self, "exclude", _compile(self.exclude))

    def follow(self, html: str, page_url: str, *, depth: int) -> list[DiscoveredURL]:
        """The links of a page fetched at `depth`, as discoveries at `depth + 1`.

        Empty once `depth` reaches `max_depth`; the pipeline enforces `max_pages` as it goes.
        """
        if depth >= self.max_depth:
            return []
        links = extract_links(
            html, page_url, same_site=self.same_site, include=self.include, exclude=self.exclude
        )
        source = f"link:{page_url}"
        return [DiscoveredURL(url=url, source=source, depth=depth + 1) for url in links]


def _compile(patterns: Iterable[Pattern]) -> tuple[re.Pattern[str], ...]:
    return tuple(p if isinstance(p, re.Pattern) else re.compile(p) for p in patterns)


def _resolve(href: str | None, base: str) -> str | None:
    return canonical_or_reject(href, base, base, _ignore)


def _ignore(_: Rejected) -> None:
    """Links to other schemes are normal on every page; they are not worth a report."""


def _is_asset(url: str) -> bool:
    last = urlsplit(url).path.rpartition("/")[2]
    return "." in last and last.rpartition(".")[2].lower() in ASSET_EXTENSIONS
