"""Score newsdesk, trafilatura and readability-lxml on the extraction dev sets in one run.

Prints F1, precision, recall, empty predictions, mean per-document F1 and CPU docs/s for each
extractor and set, the worst newsdesk documents, and as the last line a JSON summary.
The extractors take turns on each page in an order that rotates from page to page, so each one
goes first on an equal share of pages (see run()).
Data: --data DIR or $NEWSDESK_BENCH_DATA, default ../shared/bench/extraction from the repo root.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

from extract import load_pages

from ingest.extract import ExtractionError, extract

REPO = Path(__file__).resolve().parent.parent
DEFAULT_DATA = REPO.parent / "shared" / "bench" / "extraction"
SETS = ("zyte-dev", "readability")
Extractor = Callable[[str], str]
_WARM_UP_PAGES = 10


def newsdesk(html: str) -> str:
    try:
        return extract(html).body_text
    except ExtractionError:
        return ""


def trafilatura_text(html: str) -> str:
    import trafilatura

    return trafilatura.extract(html, favor_precision=True, include_comments=False) or ""


def readability_text(html: str) -> str:
    from readability import Document
    from selectolax.lexbor import LexborHTMLParser

    try:
        summary = Document(html).summary(html_partial=True)
    except Exception:  # readability raises on pages it cannot read; that is an empty result
        return ""
    root = LexborHTMLParser(summary).root
    return root.text(separator="\n") if root is not None else ""


EXTRACTORS: dict[str, Extractor] = {
    "newsdesk": newsdesk,
    "trafilatura": trafilatura_text,
    "readability-lxml": readability_text,
}


def load_evaluator(data: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location("zyte_evaluate", data / "evaluate.py")
    if spec is None or spec.loader is None:
        raise SystemExit(f"{data / 'evaluate.py'}: cannot be loaded")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run(
    extractors: dict[str, Extractor], pages: dict[str, str]
) -> dict[str, tuple[dict[str, str], float]]:
    """Predictions and CPU seconds per extractor. The extractors take turns page by page, so
    a change in machine load during the run weighs on all of them alike, and the order rotates
    page by page, so each goes first (and pays for loading the page into the CPU caches) on an
    equal share of pages; warm-up calls on a few pages keep one-time costs (imports, lazily
    loaded models) out of the timing."""
    for html in list(pages.values())[:_WARM_UP_PAGES]:
        for extractor in extractors.values():
            extractor(html)
    predictions: dict[str, dict[str, str]] = {name: {} for name in extractors}
    seconds = dict.fromkeys(extractors, 0.0)
    order = list(extractors.items())
    for index, (key, html) in enumerate(pages.items()):
        # The first extractor on a page pays for bringing it into the CPU caches; rotating who
        # goes first spreads that cost evenly instead of always charging the same one.
        shift = index % len(order)
        for name, extractor in order[shift:] + order[:shift]:
            started = time.process_time()
            predictions[name][key] = extractor(html)
            seconds[name] += time.process_time() - started
    return {name: (predictions[name], seconds[name]) for name in extractors}


def print_worst(name: str, metrics: dict, count: int) -> None:
    worst = sorted(metrics["per_doc"].items(), key=lambda item: item[1]["f1"])[:count]
    print(f"  worst {name}: " + ", ".join(f"{key[:16]} {d['f1']:.2f}" for key, d in worst))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=os.environ.get("NEWSDESK_BENCH_DATA"))
    parser.add_argument("--only", choices=sorted(EXTRACTORS), action="append")
    parser.add_argument("--worst", type=int, default=8, help="newsdesk's worst documents to list")
    parser.add_argument("--report", type=Path, help="write per-document newsdesk scores here")
    args = parser.parse_args(argv)
    data = args.data or DEFAULT_DATA
    missing = [s for s in SETS if not (data / s / "html").is_dir()]
    if missing or not (data / "evaluate.py").is_file():
        print(
            f"benchmark data missing under {data} (need evaluate.py and {', '.join(SETS)}); "
            "pass --data DIR or set NEWSDESK_BENCH_DATA",
            file=sys.stderr,
        )
        return 2
    evaluator = load_evaluator(data)
    names = args.only or list(EXTRACTORS)
    pages = {s: load_pages(data / s / "html") for s in SETS}
    truths = {s: evaluator.load_texts(data / s / "ground-truth.json") for s in SETS}
    summary: dict[str, float] = {}
    report: dict[str, dict] = {}
    seconds = dict.fromkeys(names, 0.0)
    print(
        f"{'extractor':<17} {'set':<12} {'F1':>6} {'prec':>6} {'recall':>6} {'empty':>5} "
        f"{'docF1':>6} {'docs/s':>7}"
    )
    for s in SETS:
        results = run({name: EXTRACTORS[name] for name in names}, pages[s])
        for name, (predictions, spent) in results.items():
            seconds[name] += spent
            m = evaluator.evaluate(truths[s], predictions, n_bootstrap=1)
            print(
                f"{name:<17} {s:<12} {m['f1']:6.3f} {m['precision']:6.3f} {m['recall']:6.3f} "
                f"{m['n_empty_pred']:5d} {m['mean_doc_f1']:6.3f} {len(predictions) / spent:7.0f}"
            )
            key = s.replace("-", "_")
            summary[f"{name}_{key}_f1"] = round(m["f1"], 4)
            if name == "newsdesk":
                summary[f"{key}_f1"] = round(m["f1"], 4)
                summary[f"{key}_doc_f1"] = round(m["mean_doc_f1"], 4)
                summary[f"{key}_empty"] = m["n_empty_pred"]
                report[s] = m["per_doc"]
                print_worst(s, m, args.worst)
    docs = sum(len(pages[s]) for s in SETS)
    rates = {name: docs / spent for name, spent in seconds.items()}
    for name, rate in rates.items():
        summary[f"{name}_docs_per_s"] = round(rate, 1)
    if "newsdesk" in rates and "trafilatura" in rates:
        summary["speedup_vs_trafilatura"] = round(rates["newsdesk"] / rates["trafilatura"], 2)
    if args.report:
        args.report.write_text(json.dumps(report, indent=1))
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
