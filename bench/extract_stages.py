"""Where the extractor's CPU time goes: milliseconds per page for each stage of `extract()`.

Usage: python bench/extract_stages.py [--data DIR] [--passes N]
Runs the stages one after another on every page of both dev sets (best of N passes, one
process, CPU time) and prints bound, parse, scan, metadata, body and the whole `extract()`.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from extract import load_pages
from extract_compare import DEFAULT_DATA, SETS
from selectolax.lexbor import LexborDocumentOptions, LexborHTMLParser

from ingest.extract import extract
from ingest.extract._limits import DEFAULT_LIMITS, bound_html
from ingest.extract._scan import scan
from ingest.extract.body import body_blocks
from ingest.extract.metadata import read_metadata

STAGES = ("bound", "parse", "scan", "metadata", "body", "extract")


def one_pass(pages: list[str]) -> dict[str, float]:
    """CPU seconds per stage over all pages (the stages in order, then `extract()` whole)."""
    spent = dict.fromkeys(STAGES, 0.0)
    clock = time.process_time
    for html in pages:
        t0 = clock()
        bounded, _ = bound_html(html, DEFAULT_LIMITS)
        t1 = clock()
        tree = LexborHTMLParser(bounded, options=LexborDocumentOptions.WO_EVENTS)
        t2 = clock()
        nodes = scan(tree)
        t3 = clock()
        meta = read_metadata(tree, None, nodes=nodes)
        t4 = clock()
        body_blocks(tree, meta.title, invisible=nodes.invisible)
        t5 = clock()
        extract(html)
        t6 = clock()
        laps = (t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4, t6 - t5)
        for stage, seconds in zip(STAGES, laps, strict=True):
            spent[stage] += seconds
    return spent


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=os.environ.get("NEWSDESK_BENCH_DATA"))
    parser.add_argument("--passes", type=int, default=4)
    args = parser.parse_args(argv)
    data = args.data or DEFAULT_DATA
    if any(not (data / s / "html").is_dir() for s in SETS):
        print(f"benchmark data missing under {data}; pass --data DIR", file=sys.stderr)
        return 2
    pages = [html for s in SETS for html in load_pages(data / s / "html").values()]
    for html in pages:  # warm-up: imports, the language model
        extract(html)
    best = dict.fromkeys(STAGES, float("inf"))
    for _ in range(max(args.passes, 1)):
        for stage, seconds in one_pass(pages).items():
            best[stage] = min(best[stage], seconds)
    print(f"{len(pages)} pages, best of {args.passes} passes, CPU ms per page:")
    print("  ".join(f"{stage} {best[stage] / len(pages) * 1000:.2f}" for stage in STAGES))
    return 0


if __name__ == "__main__":
    sys.exit(main())
