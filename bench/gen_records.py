"""Generate folders of valid record files from the five seeds, as input for the backfill benchmark.

Run ``python bench/gen_records.py DIR --n 100000 --seed 1``; ``--changed-fraction`` rewrites
part of an existing folder's files (same names, new text) for re-run tests.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import sys
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path

from ingest.records import (
    RECORD_NAME,
    Block,
    Layout,
    RecordFile,
    RecordFormatError,
    iter_records,
    read_record,
    render_text,
    split_blocks,
    write_record,
)

DEFAULT_SEEDS = Path(__file__).resolve().parent.parent / "seeds"
CHUNK = 2_000  # files per task; each chunk has its own random stream, so output is
# the same whatever the number of worker processes
_NUMBER = re.compile(r"\d+")


@dataclass(frozen=True, slots=True)
class Plan:
    """What one worker generates: files ``start`` to ``stop - 1`` of run ``seed``."""

    folder: Path
    templates: tuple[tuple[Block, ...], ...]
    seed: int
    start: int
    stop: int
    compact_share: float


def load_templates(seeds: Path) -> tuple[tuple[Block, ...], ...]:
    """The seeds' blocks, with the writer's own spacing (perturbed files are writer output)."""
    templates = []
    for result in iter_records(seeds):
        if isinstance(result, RecordFormatError):
            raise SystemExit(f"seed folder: {result}")
        blocks = split_blocks(result.text, result.layout)
        templates.append(tuple(replace(block, spacing="auto") for block in blocks))
    if not templates:
        raise SystemExit(f"no record files in {seeds}")
    return tuple(templates)


def perturb(blocks: Sequence[Block], rng: random.Random) -> list[Block]:
    """A varied copy: body paragraphs shuffled, some dropped, numbers changed in a few blocks."""
    out = list(blocks)
    paragraphs = [i for i, b in enumerate(out) if i > 0 and b.kind == "text" and len(b.text) > 80]
    order = rng.sample(paragraphs, len(paragraphs))
    moved = [out[i] for i in order]
    for slot, block in zip(paragraphs, moved, strict=True):
        out[slot] = block
    if len(paragraphs) > 2 and rng.random() < 0.3:
        del out[rng.choice(paragraphs)]
    for index in rng.sample(range(len(out)), min(3, len(out))):
        out[index] = vary_numbers(out[index], rng)
    return out


def vary_numbers(block: Block, rng: random.Random) -> Block:
    text = _NUMBER.sub(lambda m: str(rng.randrange(10 ** len(m[0]))), block.text)
    return replace(block, text=text)


def make_record(plan: Plan, seq: int, rng: random.Random) -> RecordFile:
    blocks = perturb(rng.choice(plan.templates), rng)
    blocks.insert(
        1,
        Block(
            "text",
            f"Filed {rng.randrange(1, 29)} November at {seq % 24:02d}:"
            f"{rng.randrange(60):02d}, report {seq}.",
        ),
    )
    layout: Layout = "compact" if rng.random() < plan.compact_share else "spaced"
    return RecordFile(seq, f"{rng.getrandbits(64):016x}", render_text(blocks, layout), layout)


def generate_chunk(plan: Plan) -> tuple[int, int]:
    """Write the plan's files; the number of files and of bytes written."""
    rng = random.Random(f"{plan.seed}:{plan.start}")
    total = 0
    for seq in range(plan.start, plan.stop):
        record = make_record(plan, seq, rng)
        data = record.text.encode("utf-8")
        # An input folder needs no atomic rename (render_text's output is always valid), and
        # bare os calls skip the isatty/seek/fstat round trips of open(): file creation is
        # most of the time here.
        fd = os.open(
            os.path.join(plan.folder, record.name), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o666
        )
        try:
            if os.write(fd, data) != len(data):
                raise OSError(f"short write to {record.name}")
        finally:
            os.close(fd)
        total += len(data)
    return plan.stop - plan.start, total


def change_some(folder: Path, fraction: float, seed: int) -> int:
    """Rewrite ``fraction`` of the record files in ``folder`` with changed text; how many."""
    names = sorted(e.name for e in os.scandir(folder) if RECORD_NAME.fullmatch(e.name))
    rng = random.Random(f"{seed}:changed")
    chosen = rng.sample(names, round(len(names) * fraction))
    for name in chosen:
        record = read_record(folder / name)
        blocks = [vary_numbers(b, rng) for b in split_blocks(record.text, record.layout)]
        blocks.append(
            Block(
                "text",
                f"Correction {rng.getrandbits(32):08x}: this report was updated after publication.",
            )
        )
        write_record(folder, replace(record, text=render_text(blocks, record.layout)))
    return len(chosen)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, help="where to write the record files")
    parser.add_argument("--n", type=int, default=None, help="files to generate (100000)")
    parser.add_argument("--seed", type=int, default=1, help="random seed (1)")
    parser.add_argument(
        "--changed-fraction",
        type=float,
        default=None,
        help="rewrite this share of the folder's existing files instead",
    )
    parser.add_argument(
        "--compact-share",
        type=float,
        default=0.4,
        help="share of generated files in the compact layout (0.4)",
    )
    parser.add_argument(
        "--seeds",
        type=Path,
        default=Path(os.environ.get("NEWSDESK_SEEDS", DEFAULT_SEEDS)),
        help="folder of seed files (env NEWSDESK_SEEDS)",
    )
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument(
        "--verify", action="store_true", help="read the folder back and print the reading speed"
    )
    args = parser.parse_args(argv)
    if args.changed_fraction is not None and args.n is not None:
        parser.error("--n and --changed-fraction do not go together")
    if args.changed_fraction is not None and not 0 <= args.changed_fraction <= 1:
        parser.error("--changed-fraction must be between 0 and 1")
    return args


def verify(folder: Path) -> int:
    """Read ``folder`` back in one process; print the speed; the number of rejected files."""
    started, cpu = time.perf_counter(), time.process_time()
    good = bad = 0
    for result in iter_records(folder):
        if isinstance(result, RecordFormatError):
            bad += 1
            print(f"rejected: {result}", file=sys.stderr)
        else:
            good += 1
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    print(
        f"read back {good} records, {bad} rejected, in {elapsed:.1f} s "
        f"({(good + bad) / elapsed:,.0f} files/s; {(good + bad) / cpu:,.0f} per CPU second)"
    )
    return bad


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.perf_counter()
    if args.changed_fraction is not None:
        if not args.folder.is_dir():
            raise SystemExit(f"{args.folder}: no such folder to change")
        changed = change_some(args.folder, args.changed_fraction, args.seed)
        print(f"changed {changed} files in {time.perf_counter() - started:.1f} s")
        return 1 if args.verify and verify(args.folder) else 0
    if not args.seeds.is_dir():
        raise SystemExit(f"{args.seeds}: seed folder missing (use --seeds or NEWSDESK_SEEDS)")
    n = 100_000 if args.n is None else args.n
    args.folder.mkdir(parents=True, exist_ok=True)
    templates = load_templates(args.seeds)
    plans = [
        Plan(args.folder, templates, args.seed, start, min(start + CHUNK, n), args.compact_share)
        for start in range(0, n, CHUNK)
    ]
    with ProcessPoolExecutor(max_workers=max(1, args.workers)) as pool:
        done = list(pool.map(generate_chunk, plans))
    files, size = sum(d[0] for d in done), sum(d[1] for d in done)
    elapsed = time.perf_counter() - started
    print(
        f"wrote {files} files ({size / 1e6:.1f} MB) to {args.folder} in {elapsed:.1f} s "
        f"({files / elapsed:,.0f} files/s)"
    )
    return 1 if args.verify and verify(args.folder) else 0


if __name__ == "__main__":
    sys.exit(main())
