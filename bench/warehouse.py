"""Warehouse benchmark: append, derive (duplicates + search index), re-append, query and search.

Run ``python bench/warehouse.py`` (1,000,000 generated articles) or ``--quick`` (100,000).
Prints the figures and, as the last line, a JSON object with them.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

from ingest.article import Article
from storage.articles import append_articles
from storage.derived import RefreshReport, refresh_warehouse
from storage.search import compact_index, search
from storage.warehouse import Warehouse

DOMAINS = tuple(f"site{i:02d}.example" for i in range(50))
DAY0 = datetime(2026, 1, 1, tzinfo=UTC)
DAYS = 120
WIRE_SHARE = 0.02  # articles that are a syndicated copy of another one in the batch


@dataclass(frozen=True, slots=True)
class Corpus:
    words: np.ndarray  # the vocabulary
    weights: np.ndarray  # Zipf-like word frequencies


def make_corpus(size: int = 40_000, seed: int = 7) -> Corpus:
    rng = np.random.default_rng(seed)
    syllables = np.array(["ka", "lo", "mi", "ne", "ru", "sa", "to", "vi", "de", "ga", "po", "ze"])
    words = {"".join(rng.choice(syllables, rng.integers(2, 5))) for _ in range(size * 2)}
    vocab = np.array(sorted(words)[:size])
    rng.shuffle(vocab)
    ranks = np.arange(1, len(vocab) + 1)
    weights = 1.0 / ranks**1.05
    return Corpus(vocab, weights / weights.sum())


def generate(corpus: Corpus, start: int, count: int, seed: int = 1) -> list[Article]:
    """Articles `start` .. `start + count - 1`; the same arguments give the same articles."""
    rng = np.random.default_rng([seed, start])
    lengths = rng.integers(150, 450, count)
    picks = rng.choice(len(corpus.words), int(lengths.sum()) + 12 * count, p=corpus.weights)
    tokens = corpus.words[picks].tolist()
    out: list[Article] = []
    pos = 0
    for k in range(count):
        n = int(lengths[k])
        title = " ".join(tokens[pos : pos + 10]).capitalize()
        body = tokens[pos + 10 : pos + 10 + n]
        pos += n + 12
        paragraphs = [" ".join(body[i : i + 60]) + "." for i in range(0, n, 60)]
        i = start + k
        out.append(
            Article(
                id=f"{(i * 0x9E3779B97F4A7C15) % (1 << 64):016x}",
                text=title + "\n\n" + "\n\n".join(paragraphs),
                seq=i,
                title=title,
                url=f"https://{DOMAINS[i % len(DOMAINS)]}/news/{i}",
                domain=DOMAINS[i % len(DOMAINS)],
                published_at=DAY0 + timedelta(minutes=int(rng.integers(0, DAYS * 24 * 60))),
                language="en",
            )
        )
    for k in rng.choice(count, int(count * WIRE_SHARE), replace=False).tolist():
        if k == 0:
            continue
        source = out[k - 1]
        out[k] = Article(
            id=out[k].id,
            text=source.text + "\n\nThis story was distributed by a wire service.",
            seq=out[k].seq,
            title=source.title,
            url=out[k].url,
            domain=out[k].domain,
            published_at=out[k].published_at,
            language="en",
        )
    return out


def cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def timed(fn: Callable[[], object]) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), cpu_s()
    fn()
    return time.perf_counter() - wall, cpu_s() - cpu


def batches(total: int, size: int) -> Iterator[tuple[int, int]]:
    for start in range(0, total, size):
        yield start, min(size, total - start)


def build(wh: Warehouse, corpus: Corpus, rows: int, batch: int, first: int) -> dict[str, float]:
    """Append `rows` articles; figures for all of them and for the first `first`."""
    wall = cpu = first_wall = first_cpu = gen_s = 0.0
    for start, count in batches(rows, batch):
        seen = DAY0 + timedelta(days=DAYS, minutes=start // batch)  # one batch a minute
        t0 = time.perf_counter()
        articles = generate(corpus, start, count)
        gen_s += time.perf_counter() - t0

        def append(articles: list[Article] = articles, seen: datetime = seen) -> None:
            with wh.connection() as con:
                append_articles(con, articles, seen_at=seen)

        w, c = timed(append)
        wall, cpu = wall + w, cpu + c
        if start < first:
            first_wall, first_cpu = first_wall + w, first_cpu + c
        print(f"  appended {start + count:>9,} rows  ({count / w:,.0f} rows/s wall)", flush=True)
    return {
        "wall_s": wall,
        "cpu_s": cpu,
        "first_wall_s": first_wall,
        "first_cpu_s": first_cpu,
        "generate_s": gen_s,
    }


def derive(wh: Warehouse) -> dict[str, float]:
    """The catch-up at the end of a run: duplicate marks and search postings of every new row.

    `refresh_warehouse` (one open of the file per chunk), with progress lines.
    """
    wall, cpu = time.perf_counter(), cpu_s()

    def progress(part: RefreshReport, total: RefreshReport) -> None:
        if total.indexed % 50_000 < part.indexed:
            print(
                f"  derived   {total.indexed:>9,} rows  ({time.perf_counter() - wall:,.0f} s wall, "
                f"{cpu_s() - cpu:,.0f} CPU-s, peak RSS {_peak_rss_mb():,} MB)",
                flush=True,
            )

    total = refresh_warehouse(wh, on_chunk=progress)
    wall, cpu = time.perf_counter() - wall, cpu_s() - cpu
    print(f"  derived   {total.indexed:>9,} rows  ({total.indexed / wall:,.0f} rows/s wall)")
    return {"wall_s": wall, "cpu_s": cpu, "rows": total.indexed, "dups": total.deduplicated}


def _peak_rss_mb() -> int:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def reappend(wh: Warehouse, corpus: Corpus, first: int, batch: int) -> tuple[float, float]:
    """Wall and CPU seconds of appending the first `first` articles again (all unchanged)."""
    seen = DAY0 + timedelta(days=DAYS + 1)
    total = total_cpu = 0.0
    for start, count in batches(first, batch):
        articles = generate(corpus, start, count)

        def append(articles: list[Article] = articles) -> None:
            with wh.connection() as con:
                result = append_articles(con, articles, seen_at=seen)
            if result.unchanged != len(articles):
                raise SystemExit(f"re-append changed rows: {result}")

        w, c = timed(append)
        total, total_cpu = total + w, total_cpu + c
    return total, total_cpu


def median_time(fn: Callable[[int], object], runs: int = 5) -> tuple[float, list[float]]:
    times = [timed(lambda i=i: fn(i))[0] for i in range(runs)]
    return statistics.median(times), times


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--quick", action="store_true", help="100,000 rows")
    parser.add_argument("--batch", type=int, default=20_000, help="articles per append (20000)")
    parser.add_argument(
        "--dir",
        type=Path,
        default=Path(os.environ.get("NEWSDESK_BENCH_DIR") or tempfile.gettempdir()),
        help="where the warehouse file is written (env NEWSDESK_BENCH_DIR, default: temp dir)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the warehouse file")
    parser.add_argument(
        "--no-derive",
        action="store_true",
        help="skip the refresh (duplicates, search index), compaction and the search timings",
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    rows = 100_000 if args.quick else args.rows
    first = min(100_000, rows)
    path = args.dir / f"bench-warehouse-{os.getpid()}.duckdb"
    wh = Warehouse(path)
    corpus = make_corpus()
    print(f"warehouse bench: {rows:,} rows in batches of {args.batch:,} into {path}")
    try:
        built = build(wh, corpus, rows, args.batch, first)
        derived = {} if args.no_derive else _refreshed(derive(wh))
        re_s, re_cpu = reappend(wh, corpus, first, args.batch)
        if not args.no_derive:
            derived["reappend_refresh_s"] = round(derive(wh)["wall_s"], 2)
            derived["compact_s"] = round(timed(lambda: _compact(wh))[0], 2)
        figures = _queries(Warehouse(path, read_only=True), corpus, search_too=not args.no_derive)
        size_mb = path.stat().st_size / 1e6
    finally:
        if not args.keep:
            for leftover in (path, path.with_name(path.name + ".wal")):
                leftover.unlink(missing_ok=True)
    result = {
        "rows": rows,
        "append_wall_s": round(built["wall_s"], 2),
        "append_cpu_s": round(built["cpu_s"], 2),
        "append_rows_per_cpu_s": round(rows / built["cpu_s"]),
        "first_append_s": round(built["first_wall_s"], 2),
        "reappend_s": round(re_s, 2),
        "reappend_ratio": round(re_s / built["first_wall_s"], 3),
        "reappend_cpu_s": round(re_cpu, 2),
        "first_append_cpu_s": round(built["first_cpu_s"], 2),
        "reappend_cpu_ratio": round(re_cpu / built["first_cpu_s"], 3),
        **derived,
        **figures,
        "file_mb": round(size_mb, 1),
        "peak_rss_mb": _peak_rss_mb(),
        "load1": round(os.getloadavg()[0], 1),
    }
    for key, value in result.items():
        print(f"  {key:24} {value}")
    print(json.dumps(result))
    return 0


def _refreshed(derived: dict[str, float]) -> dict[str, object]:
    return {
        "refresh_wall_s": round(derived["wall_s"], 2),
        "refresh_cpu_s": round(derived["cpu_s"], 2),
        "refresh_rows_per_cpu_s": round(derived["rows"] / derived["cpu_s"]),
        "refresh_duplicates": derived["dups"],
    }


def _compact(wh: Warehouse) -> None:
    with wh.for_derived().connection() as con:
        compact_index(con)


def _queries(wh: Warehouse, corpus: Corpus, *, search_too: bool) -> dict[str, object]:
    # Word ranks 500+ are in ~7 % of the articles (a typical query word); ranks 50+ in ~45 %.
    sample, common = corpus.words[500:510].tolist(), corpus.words[50:60].tolist()
    with wh.connection() as con:

        def latest(i: int) -> object:
            day = DAY0 + timedelta(days=17 + i)
            return con.execute(
                "SELECT id, title, published_at FROM latest_articles "
                "WHERE domain = ? AND published_at >= ? AND published_at < ?",
                [DOMAINS[i * 7 % len(DOMAINS)], day, day + timedelta(days=1)],
            ).fetchall()

        def bm25(i: int) -> object:
            return search(con, f"{sample[i]} {sample[i + 1]}", limit=10)

        def bm25_common(i: int) -> object:
            return search(con, f"{common[i]} {common[i + 1]}", limit=10)

        def macro(i: int) -> object:
            return con.execute(
                "SELECT * FROM search_articles(?, k := 10)", [f"{sample[i]} {sample[i + 1]}"]
            ).fetchall()

        latest_s, latest_all = median_time(latest)
        figures: dict[str, object] = {
            "latest_query_s": round(latest_s, 4),
            "latest_query_max_s": round(max(latest_all), 4),
        }
        if not search_too:
            return figures
        search_s, search_all = median_time(bm25)
        common_s, _ = median_time(bm25_common)
        macro_s, _ = median_time(macro, runs=3)
        hits = len(bm25(0))
    return figures | {
        "search_s": round(search_s, 4),
        "search_max_s": round(max(search_all), 4),
        "search_hits": hits,
        "search_common_words_s": round(common_s, 4),
        "search_macro_s": round(macro_s, 4),
    }


if __name__ == "__main__":
    sys.exit(main())
