"""Synthetic article pages for benchmarks: varied text, 30-60 KB with chrome, deterministic.

Pages are made one at a time by a generator, so a run over 100,000 of them holds one in memory.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from ingest.testing.newsite._content import (
    PUBLICATIONS,
    ArticleContent,
    BodyBlock,
    Publication,
    seed_articles,
)
from ingest.testing.newsite._html import Link, article_page

__all__ = ["SyntheticPage", "synthetic_pages"]

_EPOCH = datetime(2024, 1, 1, tzinfo=UTC)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z“\"])")
_MIN_BYTES, _MAX_BYTES = 30_000, 59_500  # overshoot is under one teaser
_PAD = "<!--padding-->"
_EXTRA_UTF8 = 2  # the seeds' only common non-ASCII character, ’, takes 3 bytes


@dataclass(frozen=True, slots=True)
class SyntheticPage:
    """One generated article page and the facts it states."""

    path: str
    url: str
    title: str
    published: datetime
    body: bytes


def synthetic_pages(
    n: int,
    base_url: str,
    *,
    seed: int = 0,
    start: int = 0,
    publication: Publication = PUBLICATIONS[0],
    seeds_dir: Path | None = None,
) -> Iterator[SyntheticPage]:
    """Yield pages `start` … `start + n - 1` under `/<publication>/archive/`, lazily.

    The same `seed` and index always give the same bytes; text is sampled from the seed
    articles' sentences, so pages differ in words, length and date.
    """
    sentences = _sentence_pool(seeds_dir)
    quoted = tuple(json.dumps(s, ensure_ascii=False) for s in sentences)
    site_url = f"{base_url.rstrip('/')}/{publication.slug}"
    for index in range(start, start + n):
        rng = random.Random(f"newsdesk-synthetic:{seed}:{index}")
        path = f"/{publication.slug}/archive/{index // 1000:04d}/story-{index:07d}.html"
        url = f"{base_url.rstrip('/')}{path}"
        article = _article(rng, sentences, index)
        target = rng.randint(_MIN_BYTES, _MAX_BYTES)
        related = _related(rng, sentences, site_url)
        page = article_page(
            article,
            url=url,
            publication=publication,
            site_url=site_url,
            related=related,
            padding=_PAD,
        )
        padding = _padding(rng, quoted, target - len(page.encode()) + len(_PAD))
        body = page.replace(_PAD, padding).encode()
        yield SyntheticPage(path, url, article.headline, article.published, body)


def _sentence_pool(seeds_dir: Path | None) -> tuple[str, ...]:
    pool: list[str] = []
    for article in seed_articles(seeds_dir):
        for block in article.blocks:
            if block.tag == "p":
                pool.extend(s for s in _SENTENCE_END.split(block.text) if len(s) > 30)
    return tuple(pool)


def _article(rng: random.Random, sentences: tuple[str, ...], index: int) -> ArticleContent:
    words = rng.choice(sentences).rstrip(".!?").split()
    headline = " ".join(words[: rng.randint(6, 12)]).strip(",;:") + f" (report {index})"
    blocks: list[BodyBlock] = []
    text_budget = rng.randint(3_000, 12_000)
    while text_budget > 0:
        if blocks and rng.random() < 0.15:
            blocks.append(BodyBlock("h2", " ".join(rng.choice(sentences).split()[:6])))
        paragraph = " ".join(rng.choices(sentences, k=rng.randint(2, 5)))
        blocks.append(BodyBlock("p", paragraph))
        text_budget -= len(paragraph)
    return ArticleContent(
        slug=f"story-{index}",
        headline=headline,
        blocks=tuple(blocks),
        author=rng.choice(("News Room", "J. Mansour", "David O'Sullivan", None)),
        published=_EPOCH + timedelta(minutes=rng.randint(0, 2 * 365 * 24 * 60)),
        modified=None,
        language="en",
        section=rng.choice(("world", "europe", "politics")),
    )


def _related(rng: random.Random, sentences: tuple[str, ...], site_url: str) -> list[Link]:
    picks = rng.sample(range(1_000_000), 6)
    return [
        Link(f"{site_url}/archive/{p // 1000:04d}/story-{p:07d}.html", rng.choice(sentences)[:80])
        for p in picks
    ]


def _padding(rng: random.Random, quoted: tuple[str, ...], size: int) -> str:
    """Chrome to bring the page to its target size: an app-state script, like real sites ship.

    `quoted` holds the sentences already JSON-encoded: this is the hot loop of the generator.
    """
    teasers: list[str] = []
    used = 0
    while used < size:
        batch = rng.choices(quoted, k=max(1, (size - used) // 200))
        for title in batch:
            teaser = f'{{"id":{rng.getrandbits(30)},"title":{title}}}'
            teasers.append(teaser)
            used += len(teaser) + 1 + _EXTRA_UTF8 * title.count("’")
            if used >= size:
                break
    if not teasers:
        return ""
    state = ",".join(teasers).replace("</", "<\\/")
    return f'<script>window.__APP_STATE__ = {{"recommendations":[{state}]}};</script>'
