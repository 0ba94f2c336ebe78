"""`make bench`: every benchmark in one go, each in its own process, then one summary.

    python bench/run_all.py            # full sizes (long: tens of minutes on two cores)
    python bench/run_all.py --quick    # each benchmark's reduced size

Each benchmark prints its own figures and, as its last line, a JSON object; the summary collects
those lines. A benchmark that fails is reported and the others still run.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
# (name, script, extra arguments); the extraction comparison needs the shared page sets.
SUITE: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("backfill", "backfill.py", ()),
    ("fetch", "fetch.py", ()),
    ("extract", "extract_compare.py", ()),
    ("warehouse", "warehouse.py", ()),
    ("scrape", "scrape.py", ()),
)


def run(name: str, script: str, args: list[str]) -> dict[str, object] | None:
    path = BENCH / script
    if not path.exists():
        print(f"== {name}: {script} is missing, skipped", flush=True)
        return None
    print(f"== {name}: {' '.join([script, *args])}", flush=True)
    started = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, str(path), *args], stdout=subprocess.PIPE, text=True, check=False
    )
    sys.stdout.write(proc.stdout)
    print(f"== {name}: exit {proc.returncode} after {time.perf_counter() - started:.0f} s")
    lines = proc.stdout.strip().splitlines()
    if proc.returncode != 0 or not lines:
        return None
    try:
        return json.loads(lines[-1])
    except json.JSONDecodeError:
        return None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="reduced sizes")
    parser.add_argument("--only", nargs="*", help="names of the benchmarks to run")
    args = parser.parse_args()
    summary: dict[str, object] = {}
    for name, script, extra in SUITE:
        if args.only and name not in args.only:
            continue
        figures = run(name, script, [*extra, *(["--quick"] if args.quick else [])])
        summary[name] = figures if figures is not None else "failed"
    print(json.dumps(summary))
    return 0 if all(v != "failed" for v in summary.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
