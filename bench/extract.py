"""Run the newsdesk extractor over a folder of saved pages and write {id: body text} as JSON.

Usage: python bench/extract.py --html-dir DIR --out PRED.json   (reads *.html and *.html.gz)
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
import time
from pathlib import Path

from ingest.extract import ExtractionError, extract
from ingest.fetch import decode_html

_SUFFIXES = (".html.gz", ".html")


def page_id(path: Path) -> str | None:
    """The id of a saved page (its file name without .html / .html.gz), None for other files."""
    for suffix in _SUFFIXES:
        if path.name.endswith(suffix):
            return path.name[: -len(suffix)]
    return None


def load_pages(html_dir: Path) -> dict[str, str]:
    """Every saved page of `html_dir`, decoded the way the fetcher decodes bodies."""
    pages: dict[str, str] = {}
    for path in sorted(html_dir.iterdir()):
        key = page_id(path)
        if key is None or not path.is_file():
            continue
        raw = path.read_bytes()
        if path.name.endswith(".gz"):
            raw = gzip.decompress(raw)
        pages[key] = decode_html(raw, None)[0]
    return pages


def extract_all(pages: dict[str, str]) -> tuple[dict[str, str], float]:
    """Body text per page id and the CPU seconds spent extracting."""
    out: dict[str, str] = {}
    started = time.process_time()
    for key, html in pages.items():
        try:
            out[key] = extract(html).body_text
        except ExtractionError as exc:
            print(f"{key}: {exc}", file=sys.stderr)
            out[key] = ""
    return out, time.process_time() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--html-dir", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    if not args.html_dir.is_dir():
        parser.error(f"--html-dir {args.html_dir}: not a folder")
    pages = load_pages(args.html_dir)
    if not pages:
        parser.error(f"--html-dir {args.html_dir}: no *.html or *.html.gz files")
    predictions, seconds = extract_all(pages)
    args.out.write_text(json.dumps(predictions, ensure_ascii=False, indent=1), encoding="utf-8")
    rate = len(pages) / seconds if seconds else float("inf")
    print(
        f"{len(pages)} pages, {rate:.0f} docs/s (CPU, one-time start-up included), "
        f"written to {args.out}",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
