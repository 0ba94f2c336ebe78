"""Backfill benchmark: records/s and peak RSS for a first and a second run over one folder.

    python bench/backfill.py            # 100,000 generated record files
    python bench/backfill.py --quick    # 10,000 files, well under two minutes

Each run is a separate process (so its peak RSS is its own) calling the same core the CLI and
the `backfill` flow use. The last line printed is a JSON object with the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GOALS = {"backfill_records_per_s": 15_000, "peak_rss_mb": 500, "rerun_speedup": 5}


def child(folder: Path, warehouse: Path, batch_size: int) -> None:
    """Run one backfill and print its figures as JSON (runs in a fresh process).

    The backfill proper (read, store) and the catch-up of duplicate marks and search postings
    that ends every backfill are timed apart; `wall_s` / `cpu_s` cover both.
    """
    sys.path.insert(0, str(ROOT))
    from ingest.backfill import backfill_folder
    from storage.derived import refresh_warehouse
    from storage.warehouse import Warehouse

    wh = Warehouse(warehouse)
    wall0, cpu0 = time.perf_counter(), time.process_time()
    report = backfill_folder(folder, wh, batch_size=batch_size, refresh=False)
    wall1, cpu1 = time.perf_counter(), time.process_time()
    refresh_warehouse(wh)
    wall2, cpu2 = time.perf_counter(), time.process_time()
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    figures = {
        "wall_s": wall2 - wall0,
        "cpu_s": cpu2 - cpu0,
        "store_wall_s": wall1 - wall0,
        "store_cpu_s": cpu1 - cpu0,
        "refresh_wall_s": wall2 - wall1,
        "refresh_cpu_s": cpu2 - cpu1,
        "peak_rss_mb": peak_kb / 1024,
    }
    print(json.dumps(report.as_dict() | figures))


def run_child(folder: Path, warehouse: Path, batch_size: int) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", str(folder), str(warehouse), str(batch_size)],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000, help="record files (100000)")
    parser.add_argument("--quick", action="store_true", help="10,000 files")
    parser.add_argument("--batch-size", type=int, default=5000)
    parser.add_argument("--workdir", type=Path, default=None, help="where to put the files")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(Path(args.child[0]), Path(args.child[1]), int(args.child[2]))
        return 0
    n = 10_000 if args.quick else args.n
    work = Path(tempfile.mkdtemp(prefix="newsdesk-bench-backfill-", dir=args.workdir))
    try:
        folder, warehouse = work / "records", work / "bench.duckdb"
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, str(ROOT / "bench" / "gen_records.py"), str(folder), "--n", str(n)],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        size_mb = sum(e.stat().st_size for e in os.scandir(folder)) / 1e6
        print(
            f"generated {n:,} record files ({size_mb:.0f} MB) in "
            f"{time.perf_counter() - started:.1f} s"
        )
        first = run_child(folder, warehouse, args.batch_size)
        second = run_child(folder, warehouse, args.batch_size)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    for name, run in (("first run", first), ("second run", second)):
        print(
            f"{name:>10}: {n / run['wall_s']:>9,.0f} records/s wall, "
            f"{n / run['cpu_s']:>9,.0f} records/s CPU, peak RSS {run['peak_rss_mb']:.0f} MB, "
            f"new {run['new']:,}, unchanged {run['unchanged']:,}, rejected {run['rejected']:,}"
        )
        print(
            f"{'':>10}  of which read + store {run['store_wall_s']:.1f} s wall / "
            f"{run['store_cpu_s']:.1f} s CPU ({n / run['store_wall_s']:,.0f} records/s), "
            f"duplicate marks + search index {run['refresh_wall_s']:.1f} s wall / "
            f"{run['refresh_cpu_s']:.1f} s CPU"
        )
    figures = {
        "files": n,
        "backfill_records_per_s": round(n / first["wall_s"]),
        "backfill_records_per_cpu_s": round(n / first["cpu_s"]),
        "store_records_per_s": round(n / first["store_wall_s"]),
        "store_records_per_cpu_s": round(n / first["store_cpu_s"]),
        "refresh_s": round(first["refresh_wall_s"], 2),
        "peak_rss_mb": round(max(first["peak_rss_mb"], second["peak_rss_mb"]), 1),
        "rerun_records_per_s": round(n / second["wall_s"]),
        "rerun_speedup": round(first["wall_s"] / second["wall_s"], 2),
        "second_run_new_rows": second["new"] + second["changed"],
    }
    for key, goal in GOALS.items():
        ok = figures[key] <= goal if key == "peak_rss_mb" else figures[key] >= goal
        print(f"goal {key}: {figures[key]} ({'met' if ok else 'NOT met'}, goal {goal})")
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
