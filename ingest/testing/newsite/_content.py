"""The demo site's articles: the seed records cut into headline and body, and the real pages.

Each seed is cut by hand (see `_CUTS`): the headline is not always its first line, and some
carry their page's navigation, which belongs in the page chrome, not in the article.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Literal

from ingest.records import read_record, split_blocks

__all__ = [
    "FIXTURES",
    "PUBLICATIONS",
    "ArticleContent",
    "BodyBlock",
    "Fixture",
    "Publication",
    "default_seeds_dir",
    "seed_articles",
]

BlockTag = Literal["p", "h2", "li", "figcaption"]


@dataclass(frozen=True, slots=True)
class BodyBlock:
    """One block of an article body and the HTML element it is rendered as."""

    tag: BlockTag
    text: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Publication:
    """One demo news site: its path prefix, masthead name and sections."""

    slug: str
    name: str
    sections: tuple[str, ...]


PUBLICATIONS = (
    Publication(slug="courier", name="The Harbour Courier", sections=("world", "europe")),
    Publication(slug="ledger", name="Northern Ledger", sections=("world", "politics")),
    Publication(slug="wire", name="Morning Wire", sections=("world", "asia")),
    Publication(slug="meridian", name="Daily Meridian", sections=("world", "business")),
)


@dataclass(frozen=True, slots=True, kw_only=True)
class ArticleContent:
    """An article as the demo site publishes it (and as extraction should find it again)."""

    slug: str
    headline: str
    blocks: tuple[BodyBlock, ...]
    author: str | None
    published: datetime
    modified: datetime | None
    language: str
    section: str
    keywords: tuple[str, ...] = ()
    origin: str = ""

    @property
    def body_text(self) -> str:
        """The body (no headline, no captions), one block a line."""
        return "\n".join(b.text for b in self.blocks if b.tag != "figcaption")


@dataclass(frozen=True, slots=True, kw_only=True)
class _SeedCut:
    prefix: str
    headline: str  # the headline block, or the headline itself when the seed has none
    first: str  # the first body block starts with this
    stop: str  # the first block after the body starts with this
    captions: tuple[str, ...] = ()
    author: str | None = None
    published: str
    modified: str | None = None
    section: str = "world"
    keywords: tuple[str, ...] = ()


_CUTS = (
    _SeedCut(
        prefix="000",
        headline="North Korea Extends Warm Welcome to Russia’s Defense Minister",
        first="In a recent meeting",
        stop="Share. Facebook",
        author="News Room",
        published="2024-11-30T09:12:00+00:00",
        keywords=("North Korea", "Russia", "Andrei Belousov"),
    ),
    _SeedCut(
        prefix="001",
        headline="Russian Defense Minister Visits North Korea Amid Growing Ties",
        first="Russia-North Korea alliance/",
        stop="More on World News",
        captions=("In this photo released",),
        author="J. Mansour",
        published="2024-11-29T18:40:00-05:00",
        modified="2024-11-30T08:05:00-05:00",
        keywords=("Russia", "North Korea", "defense"),
    ),
    _SeedCut(
        prefix="002",
        headline="North Korea’s Kim Pledges Support for Russia’s Ukraine War",
        first="North Korea Russia partnership/",
        stop="\0",  # the seed ends with its article
        author="J. Mansour",
        published="2024-11-30T07:05:00-05:00",
        section="politics",
        keywords=("Kim Jong Un", "Ukraine war"),
    ),
    _SeedCut(
        # Seed 003 has no headline: this one is written from its own lede and subheadings.
        prefix="003",
        headline="Kim Jong-un Promises Russia Unwavering Support During Belousov Visit",
        first="A meeting between North Korea",
        stop="More on the topic",
        published="2024-11-29T16:20:00+02:00",
        section="europe",
    ),
    _SeedCut(
        prefix="004",
        headline="North Korea’s Kim Offers Support for Russia in Ukraine",
        first="A scenic landscape of Wonsan",
        stop="David O'Sullivan is",
        captions=("A scenic landscape of Wonsan",),
        author="David O'Sullivan",
        published="2025-07-13T10:30:00+00:00",
        section="asia",
        keywords=("Sergei Lavrov", "Kursk"),
    ),
)

# A short block that does not end like a sentence is a subheading in these seeds.
_MAX_HEADING = 90
_SENTENCE_ENDS = (".", "!", ",", ";", "”", '"', "'", ")")


def default_seeds_dir() -> Path:
    """`seeds/` at the root of the source tree this package was imported from."""
    return Path(__file__).resolve().parents[3] / "seeds"


@functools.cache
def seed_articles(seeds_dir: Path | None = None) -> tuple[ArticleContent, ...]:
    """The five seed records as articles, in seed order."""
    folder = seeds_dir or default_seeds_dir()
    if not folder.is_dir():
        raise FileNotFoundError(f"seed folder {folder} is missing: the demo site is built from it")
    return tuple(_cut(folder, cut) for cut in _CUTS)


def _cut(folder: Path, cut: _SeedCut) -> ArticleContent:
    matches = sorted(folder.glob(f"{cut.prefix}_*.txt"))
    if not matches:
        raise FileNotFoundError(f"seed {cut.prefix}_*.txt is missing from {folder}")
    record = read_record(matches[0])
    texts = [(b.kind, b.text) for b in split_blocks(record.text, record.layout)]
    start = next(i for i, (_, text) in enumerate(texts) if text.startswith(cut.first))
    stop = next((i for i, (_, t) in enumerate(texts) if t.startswith(cut.stop)), len(texts))
    blocks = tuple(
        _block(kind, text, cut)
        for kind, text in texts[start:stop]
        if text != cut.headline  # seeds 001 and 002 repeat the headline inside the body
    )
    return ArticleContent(
        slug=_slug(cut.headline),
        headline=cut.headline,
        blocks=blocks,
        author=cut.author,
        published=datetime.fromisoformat(cut.published),
        modified=datetime.fromisoformat(cut.modified) if cut.modified else None,
        language="en",
        section=cut.section,
        keywords=cut.keywords,
        origin=f"seed:{matches[0].name}",
    )


def _block(kind: str, text: str, cut: _SeedCut) -> BodyBlock:
    if kind == "item":
        return BodyBlock("li", text)
    if text.startswith(cut.captions):
        return BodyBlock("figcaption", text)
    heading = len(text) <= _MAX_HEADING and not text.endswith(_SENTENCE_ENDS)
    return BodyBlock("h2" if heading else "p", text)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower().replace("’", "")).strip("-")[:80]


@dataclass(frozen=True, slots=True, kw_only=True)
class Fixture:
    """A real page kept gzipped in `fixtures/`, and where it was first published."""

    file: str
    origin_url: str
    language: str
    title: str


FIXTURES_DIR = Path(__file__).resolve().parent.parent / "fixtures"

FIXTURES = (
    Fixture(
        file="aljazeera-helicopter-crash.html.gz",
        origin_url="https://www.aljazeera.com/news/2019/11/"
        "service-members-killed-afghanistan-helicopter-crash-191120070028895.html",
        language="en",
        title="US service members killed in Afghanistan helicopter crash",
    ),
    Fixture(
        file="bbc-sweden-investigation.html.gz",
        origin_url="https://www.bbc.com/news/world-europe-50473792",
        language="en",
        title="Julian Assange: Sweden drops rape investigation",
    ),
    Fixture(
        file="heise-1password.html.gz",
        origin_url="http://www.heise.de/mac-and-i/meldung/"
        "1Password-fuer-Mac-generiert-Einmal-Passwoerter-2596987.html",
        language="de",
        title="1Password für Mac generiert Einmal-Passwörter",
    ),
    Fixture(
        file="lemonde-renseignement.html.gz",
        origin_url="http://www.lemonde.fr/pixels/article/2015/05/04/"
        "que-contient-la-loi-sur-le-renseignement_4627068_4408996.html",
        language="fr",
        title="Le projet de loi sur le renseignement massivement approuvé à l'Assemblée",
    ),
    Fixture(
        file="lanacion-mapuche.html.gz",
        origin_url="http://www.lanacion.com.ar/2089096-una-solucion-no-violenta-para-la-cuestion-mapuche",
        language="es",
        title="Una solución no violenta para la cuestión mapuche",
    ),
    Fixture(
        file="jaraguadosul-arrombamento.html.gz",
        origin_url="https://www.jaraguadosul.sc.gov.br/news/"
        "servi-o-de-atendimento-domiciliar-registra-arrombamento-em-dois-ve-culos",
        language="pt",
        title="Atendimento Domiciliar registra arrombamento em veículos",
    ),
    Fixture(
        file="jpost-berlin-stabbing.html.gz",
        origin_url="https://www.jpost.com/Breaking-News/"
        "Son-of-former-German-president-stabbed-to-death-in-Berlin-608399",
        language="en",
        title="Son of former German president stabbed to death in Berlin",
    ),
)
