"""Accuracy of read_metadata on the hand-checked pages: title, authors, published day, language.

Usage: .venv/bin/python bench/metadata_accuracy.py [--truth FILE] [--pages DIR] [--verbose]
       [--speed-dir DIR ...]      also print read_metadata's CPU time per page over saved pages
       [--language-dir DIR ...]   also compare language detection with the pages' <html lang>
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import re
import sys
import time
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from selectolax.lexbor import LexborHTMLParser

from ingest.extract._lang import detect_language, normalise_language, text_sample
from ingest.extract.metadata import read_metadata
from ingest.extract.model import Extracted
from ingest.fetch import decode_html

HERE = Path(__file__).resolve().parent
DEFAULT_TRUTH = HERE.parent / "tests" / "extract" / "metadata_truth.json"
FIELDS = ("title", "authors", "published", "language")
_QUOTES = str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"', "«": '"', "»": '"'})


@dataclass(frozen=True, slots=True)
class Outcome:
    """One field of one page: whether the extractor matched the truth, and both values."""

    page: str
    field: str
    correct: bool
    expected: Any
    got: Any


def load_truth(path: Path) -> list[dict[str, Any]]:
    return json.loads(path.read_text(encoding="utf-8"))["pages"]


def extract_page(entry: dict[str, Any], pages_dir: Path) -> Extracted:
    raw = gzip.decompress((pages_dir / entry["set"] / f"{entry['id']}.html.gz").read_bytes())
    tree = LexborHTMLParser(decode_html(raw, None)[0])
    return read_metadata(tree, entry.get("url"))


def _text_key(text: str | None) -> str | None:
    if text is None:
        return None
    return " ".join(unicodedata.normalize("NFKC", text).translate(_QUOTES).split())


def _names_key(names: Iterable[str]) -> frozenset[str]:
    return frozenset(" ".join(name.split()).casefold() for name in names)


def _title(entry: dict[str, Any], got: Extracted) -> tuple[bool, Any]:
    accepted = [entry["title"], *entry.get("title_alt", [])]
    return _text_key(got.title) in {_text_key(title) for title in accepted}, got.title


def _authors(entry: dict[str, Any], got: Extracted) -> tuple[bool, Any]:
    accepted = [entry["authors"], *entry.get("authors_alt", [])]
    return _names_key(got.authors) in {_names_key(names) for names in accepted}, list(got.authors)


def _published(entry: dict[str, Any], got: Extracted) -> tuple[bool, Any]:
    day = got.published.value.date().isoformat() if got.published else None
    accepted = [entry["published"], *entry.get("published_alt", [])]
    return day in accepted, day


def _language(entry: dict[str, Any], got: Extracted) -> tuple[bool, Any]:
    primary = re.split(r"[-_]", got.language)[0].lower() if got.language else None
    return primary == entry["language"], got.language


_CHECKS: dict[str, Callable[[dict[str, Any], Extracted], tuple[bool, Any]]] = {
    "title": _title,
    "authors": _authors,
    "published": _published,
    "language": _language,
}


def score(truth: list[dict[str, Any]], pages_dir: Path) -> list[Outcome]:
    outcomes = []
    for entry in truth:
        got = extract_page(entry, pages_dir)
        for field in FIELDS:
            correct, value = _CHECKS[field](entry, got)
            outcomes.append(Outcome(entry["id"][:16], field, correct, entry[field], value))
    return outcomes


def accuracy(outcomes: list[Outcome], field: str) -> float:
    mine = [outcome for outcome in outcomes if outcome.field == field]
    return sum(outcome.correct for outcome in mine) / len(mine)


def load_folder(html_dir: Path) -> list[str]:
    """Every *.html.gz and *.html page of `html_dir`, decoded the way the fetcher decodes."""
    paths = sorted(html_dir.glob("*.html.gz")) + sorted(html_dir.glob("*.html"))
    pages = []
    for path in paths:
        raw = path.read_bytes()
        pages.append(decode_html(gzip.decompress(raw) if path.suffix == ".gz" else raw, None)[0])
    return pages


def language_agreement(pages: list[str]) -> dict[str, int]:
    """How detection compares with the pages' own <html lang>, and how often it answers."""
    counts = dict.fromkeys(("declared", "answered", "disagree", "undeclared", "detected"), 0)
    for html in pages:
        tree = LexborHTMLParser(html)
        root = tree.css_first("html")
        declared = normalise_language(root.attributes.get("lang") if root is not None else None)
        detected = detect_language(text_sample(tree))
        if declared is None:
            counts["undeclared"] += 1
            counts["detected"] += detected is not None
            continue
        counts["declared"] += 1
        if detected is not None:
            counts["answered"] += 1
            counts["disagree"] += detected.split("-")[0] != declared.split("-")[0]
    return counts


def speed(html_dir: Path, rounds: int = 3) -> tuple[int, float, float]:
    """Pages read, and CPU µs per page for parsing and for read_metadata (best of `rounds`)."""
    pages = load_folder(html_dir)
    if pages:
        read_metadata(LexborHTMLParser(pages[0]), None)  # loads the language model once
    best_parse = best_meta = float("inf")
    for _ in range(rounds):
        trees, parse_time = [], 0.0
        for html in pages:
            start = time.process_time()
            trees.append(LexborHTMLParser(html))
            parse_time += time.process_time() - start
        start = time.process_time()
        for tree in trees:
            read_metadata(tree, None)
        best_meta = min(best_meta, time.process_time() - start)
        best_parse = min(best_parse, parse_time)
    count = max(len(pages), 1)
    return len(pages), best_parse / count * 1e6, best_meta / count * 1e6


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--truth", type=Path, default=DEFAULT_TRUTH)
    parser.add_argument(
        "--pages",
        type=Path,
        default=None,
        help="folder with <set>/<id>.html.gz (default: beside the truth file, in pages/)",
    )
    parser.add_argument("--verbose", action="store_true", help="list every wrong value")
    parser.add_argument(
        "--speed-dir",
        type=Path,
        action="append",
        default=[],
        help="folder of *.html / *.html.gz pages to time read_metadata on (repeatable); "
        "e.g. ../shared/bench/extraction/zyte-dev/html, or $NEWSDESK_BENCH_DATA/zyte-dev/html",
    )
    parser.add_argument(
        "--language-dir",
        type=Path,
        action="append",
        default=[],
        help="folder of pages on which to compare language detection with <html lang>",
    )
    args = parser.parse_args(argv)
    if not args.truth.is_file():
        print(f"truth file not found: {args.truth}", file=sys.stderr)
        return 2
    pages_dir = args.pages or args.truth.parent / "pages"
    truth = load_truth(args.truth)
    outcomes = score(truth, pages_dir)
    if args.verbose:
        for outcome in outcomes:
            if not outcome.correct:
                print(
                    f"  {outcome.page} {outcome.field}: expected {outcome.expected!r}, "
                    f"got {outcome.got!r}"
                )
    for field in FIELDS:
        right = sum(o.correct for o in outcomes if o.field == field)
        print(f"{field:10s} {right:3d}/{len(truth)}  {accuracy(outcomes, field):.3f}")
    figures: dict[str, float] = {
        f"{field}_accuracy": round(accuracy(outcomes, field), 3) for field in FIELDS
    }
    for html_dir in [*args.speed_dir, *args.language_dir]:
        if not html_dir.is_dir():
            print(
                f"no such folder {html_dir} (the benchmark pages are not part of the "
                "repository; pass the folder that holds them)",
                file=sys.stderr,
            )
            return 2
    for html_dir in args.speed_dir:
        count, parse_us, meta_us = speed(html_dir)
        print(
            f"speed {html_dir}: {count} pages, parse {parse_us:.0f} µs/page, read_metadata "
            f"{meta_us:.0f} µs/page (CPU, best of 3, load average {os.getloadavg()[0]:.1f})"
        )
        figures[f"read_metadata_us_{html_dir.parent.name or html_dir.name}"] = round(meta_us)
    if args.language_dir:
        pages = [html for html_dir in args.language_dir for html in load_folder(html_dir)]
        counts = language_agreement(pages)
        print(
            f"language detection on {len(pages)} pages: of {counts['declared']} with <html lang>, "
            f"answered on {counts['answered']}, disagreed on {counts['disagree']}; of "
            f"{counts['undeclared']} without, answered on {counts['detected']}"
        )
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
