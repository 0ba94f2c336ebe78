"""Machine instructions per page of `extract()`, counted by valgrind: a cost that the other
processes on a shared machine cannot move.

Usage: python bench/extract_instructions.py [--data DIR] [--passes N] [--out FILE]
Needs valgrind (callgrind and callgrind_control) on PATH. Loads both dev sets, warms up on the
first pages as bench/extract_compare.py does, then counts the instructions of N passes over
every page (one pass by default: each page seen once, so the class-name verdicts are cold as in
the comparison). Instruction counts leave out cache misses, so they rank changes of the work
done, not wall time; CPU time still decides (bench/extract_compare.py). --out keeps callgrind's
profile, for `callgrind_annotate --inclusive=yes FILE` (where the instructions go, C functions).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from extract import load_pages
from extract_compare import _WARM_UP_PAGES, DEFAULT_DATA, SETS

from ingest.extract import ExtractionError, extract

_INNER = "NEWSDESK_CALLGRIND_INNER"
_COLLECTED = re.compile(r"Collected : (\d+)")


def _instrument(on: bool) -> None:
    state = "on" if on else "off"
    subprocess.run(
        ["callgrind_control", "-i", state, str(os.getpid())], check=True, capture_output=True
    )


def inner(data: Path, passes: int) -> int:
    """Runs under callgrind: instrumentation is on only around the timed passes."""
    pages = [html for s in SETS for html in load_pages(data / s / "html").values()]
    for html in pages[:_WARM_UP_PAGES]:
        extract(html)
    _instrument(True)
    for _ in range(passes):
        for html in pages:
            try:
                extract(html)
            except ExtractionError:
                pass
    _instrument(False)
    print(len(pages) * passes)
    return 0


def outer(data: Path, passes: int, out: Path | None) -> int:
    missing = [tool for tool in ("valgrind", "callgrind_control") if shutil.which(tool) is None]
    if missing:
        print(f"{', '.join(missing)} not found on PATH; install valgrind", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        command = [
            "valgrind",
            "--tool=callgrind",
            "--instr-atstart=no",
            f"--callgrind-out-file={out or Path(tmp) / 'callgrind.out'}",
            sys.executable,
            __file__,
            "--data",
            str(data),
            "--passes",
            str(passes),
        ]
        env = {**os.environ, _INNER: "1"}
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    counted = _COLLECTED.search(done.stderr)
    if done.returncode != 0 or counted is None or not done.stdout.strip():
        print(done.stderr[-2000:], file=sys.stderr)
        return 1
    extractions = int(done.stdout.split()[-1])
    per_page = int(counted.group(1)) / extractions
    print(f"{extractions} extractions, {per_page / 1e6:.2f} M instructions per page")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=os.environ.get("NEWSDESK_BENCH_DATA"))
    parser.add_argument("--passes", type=int, default=1)
    parser.add_argument("--out", type=Path, help="keep callgrind's profile in this file")
    args = parser.parse_args(argv)
    data = args.data or DEFAULT_DATA
    if any(not (data / s / "html").is_dir() for s in SETS):
        print(f"benchmark data missing under {data}; pass --data DIR", file=sys.stderr)
        return 2
    passes = max(args.passes, 1)
    if os.environ.get(_INNER):
        return inner(data, passes)
    return outer(data, passes, args.out.resolve() if args.out else None)


if __name__ == "__main__":
    sys.exit(main())
