"""Where an append's CPU goes: per SQL statement and per Python step, for new and for stored rows.

Run ``python bench/append_profile.py`` (100,000 generated articles in batches of 20,000, the
same articles as bench/warehouse.py, then the same 100,000 again). Prints CPU and wall seconds
per step of the first append and of the re-append.

``--warehouse FILE`` profiles on a copy of an existing warehouse instead of an empty one, e.g.
one kept by ``python bench/warehouse.py --keep``: the new articles are generated from
``--start`` on (default: the row count of the copy), and the re-append is of articles 0..rows-1,
which that warehouse already holds.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

import duckdb
from warehouse import DAY0, DAYS, batches, cpu_s, generate, make_corpus  # bench/warehouse.py

import storage.articles as articles_module
from storage.warehouse import Warehouse

Totals = defaultdict[str, list[float]]


class _TimedConnection:
    """Times every `execute` of the connection it wraps, keyed by the statement's start."""

    def __init__(self, con: duckdb.DuckDBPyConnection, totals: Totals) -> None:
        self._con, self._totals = con, totals

    def execute(self, sql: str, *args: Any) -> Any:
        return _timed(
            self._totals, "sql: " + " ".join(sql.split())[:48], self._con.execute, sql, *args
        )

    def __getattr__(self, name: str) -> Any:
        return getattr(self._con, name)


def _timed(totals: Totals, key: str, fn: Callable[..., Any], *args: Any) -> Any:
    wall, cpu = time.perf_counter(), cpu_s()
    result = fn(*args)
    totals[key][0] += cpu_s() - cpu
    totals[key][1] += time.perf_counter() - wall
    return result


_CURRENT: list[Totals] = []  # the run whose totals the patched Python steps add to


def _patch() -> None:
    """Time the Python steps of `storage.articles` (the module looks them up at call time)."""
    for name in ("keys_to_arrow", "articles_to_arrow"):
        original = getattr(articles_module, name)

        def wrapper(*args: Any, _fn: Callable[..., Any] = original, _key: str = name) -> Any:
            return _timed(_CURRENT[-1], f"python: {_key}", _fn, *args)

        setattr(articles_module, name, wrapper)


def run(wh: Warehouse, rows: int, batch: int, days: int, first: int = 0) -> Totals:
    totals: Totals = defaultdict(lambda: [0.0, 0.0])
    _CURRENT.append(totals)
    corpus = make_corpus()
    for start, count in batches(rows, batch):
        articles = generate(corpus, first + start, count)
        seen = DAY0 + timedelta(days=days, minutes=start // batch)
        # Enter and leave `Warehouse.connection()` by hand to time them apart.
        opened = wh.connection()
        con = _timed(totals, "open (attach, schema check)", opened.__enter__)
        try:
            articles_module.append_articles(_TimedConnection(con, totals), articles, seen_at=seen)
        except BaseException as exc:
            opened.__exit__(type(exc), exc, exc.__traceback__)
            raise
        _timed(totals, "close (detach: checkpoint)", opened.__exit__, None, None, None)
    return totals


def report(title: str, rows: int, totals: Totals) -> None:
    # The Python steps run inside `append_articles`, between statements: no double counting.
    cpu = sum(v[0] for v in totals.values())
    print(f"{title}: {rows:,} rows, {cpu:.2f} CPU-s = {rows / cpu:,.0f} rows per CPU-s")
    for key, (c, w) in sorted(totals.items(), key=lambda kv: -kv[1][0]):
        if c >= 0.005:
            print(f"  {c:6.2f} CPU-s {w:6.2f} s wall  {100 * c / cpu:5.1f} %  {key}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=20_000)
    parser.add_argument("--warehouse", type=Path, help="profile on a copy of this warehouse")
    parser.add_argument("--start", type=int, help="first new article (default: rows in the copy)")
    args = parser.parse_args(argv)
    _patch()
    with tempfile.TemporaryDirectory(dir=args.warehouse and args.warehouse.parent) as tmp:
        wh = Warehouse(Path(tmp) / "profile.duckdb")
        start = 0
        if args.warehouse:
            shutil.copyfile(args.warehouse, wh.path)
            with wh.connection() as con:
                held = con.execute("SELECT count(*) FROM articles").fetchone()[0]
            start = held if args.start is None else args.start
            print(f"copy of {args.warehouse}: {held:,} rows; new articles from {start:,} on")
        first = run(wh, args.rows, args.batch, DAYS + 2, first=start)
        report("append of new articles", args.rows, first)
        again = run(wh, args.rows, args.batch, DAYS + 3)
        report("re-append (all stored, unchanged)", args.rows, again)
    print(f"load average {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
