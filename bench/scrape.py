"""Scrape benchmark: the whole pipeline against its stage bound, Prefect against the core, and
peak memory with a frontier of 10,000 and of 100,000 URLs.

Serves synthetic 30-60 KB article pages from nginx (our LocalServer when nginx
cannot be had); every measurement runs in its own process. Last line: a JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fetch_servers import Served, ensure_nginx, local_server, nginx  # noqa: E402

from ingest.pipeline import ScrapeSettings  # noqa: E402
from ingest.testing.newsite import synthetic_pages  # noqa: E402

_STAGES = Path(__file__).resolve().parent / "scrape_stages.py"


def _page_url(base: str, index: int) -> str:
    """The URL `synthetic_pages` gives page `index` (first publication)."""
    return f"{base}/courier/archive/{index // 1000:04d}/story-{index:07d}.html"


def write_pages(root: Path, base: str, count: int) -> list[str]:
    """The synthetic article pages as static files; returns their URLs in order."""
    urls = []
    for page in synthetic_pages(count, base):
        target = root / page.path.lstrip("/")
        target.parent.mkdir(mode=0o755, parents=True, exist_ok=True)
        target.write_bytes(page.body)
        urls.append(page.url)
    assert urls == [_page_url(base, i) for i in range(count)], "synthetic URL scheme changed"
    return urls


def write_url_list(folder: Path, base: str, size: int) -> Path:
    """A URL-list file of `size` page URLs (the first `pages` of them exist): the frontier."""
    path = folder / f"frontier-{size}.txt"
    path.write_text("".join(f"{_page_url(base, i)}\n" for i in range(size)))
    return path


class PeakRSS:
    """Samples the summed RSS of a process and its children (extraction workers) until stopped."""

    def __init__(self, pid: int) -> None:
        self.peak = self.peak_main = 0
        self._process = psutil.Process(pid)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                tree = [self._process, *self._process.children(recursive=True)]
                sizes = [p.memory_info().rss for p in tree if p.is_running()]
                self.peak = max(self.peak, sum(sizes))
                self.peak_main = max(self.peak_main, sizes[0] if sizes else 0)
            except psutil.Error:
                pass
            self._stop.wait(0.05)

    def stop(self) -> float:
        self._stop.set()
        self._thread.join()
        return self.peak / 2**20


def run_stage(stage: str, *args: str, env: dict[str, str] | None = None) -> dict[str, Any]:
    """Run one stage in a fresh process; its figures, plus `peak_rss_mb` of its process tree."""
    command = [sys.executable, str(_STAGES), stage, *args]
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    )
    sampler = PeakRSS(process.pid)
    out, err = process.communicate(timeout=3600)
    peak = sampler.stop()
    if process.returncode != 0:
        raise RuntimeError(f"stage {stage} failed:\n{err[-3000:]}")
    figures = {
        **json.loads(out.strip().splitlines()[-1]),
        "peak_rss_mb": round(peak, 1),
        "peak_rss_main_mb": round(sampler.peak_main / 2**20, 1),  # the tree's first process
        "load": round(os.getloadavg()[0], 2),  # 1-minute load average as the stage ended
    }
    print(f"  {stage} {' '.join(a for a in args if not a.startswith('/'))}: {figures}", flush=True)
    return figures


@contextmanager
def serve(root: Path, work: Path, kind: str) -> Iterator[Served]:
    binary = ensure_nginx() if kind in ("auto", "nginx") else None
    if kind == "nginx" and binary is None:
        raise SystemExit("nginx was asked for and cannot be had")
    if binary is None:
        print("nginx not available: serving with the project's LocalServer", flush=True)
        with local_server(root) as served:
            yield served
    else:
        with nginx(binary, root, work) as served:
            yield served


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="1,000 pages; about three minutes")
    parser.add_argument("--pages", type=int, help="pages fetched per run (10,000; quick 1,000)")
    parser.add_argument("--workers", default=None, help="extraction processes to try, e.g. 1,2")
    parser.add_argument(
        "--batch", type=int, default=ScrapeSettings().batch_size, help="URLs per batch"
    )
    parser.add_argument("--repeats", type=int, default=3, help="core/flow pairs and fetch runs")
    parser.add_argument("--server", choices=["auto", "nginx", "local"], default="auto")
    parser.add_argument("--no-prefect", action="store_true", help="skip the Prefect flow runs")
    args = parser.parse_args(argv)
    pages = args.pages or (1_000 if args.quick else 10_000)
    workers = [int(w) for w in (args.workers or "1").split(",")]
    print(f"load average at start: {_load()}", flush=True)
    with tempfile.TemporaryDirectory(prefix="newsdesk-scrape-bench-") as tmp:
        figures = measure(Path(tmp), pages, workers, args)
    print(json.dumps(figures))


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def measure(
    tmp: Path, pages: int, workers: list[int], args: argparse.Namespace
) -> dict[str, object]:
    root, work = tmp / "www", tmp / "server"
    tmp.chmod(0o755)  # nginx workers run as an unprivileged user
    root.mkdir(mode=0o755)
    work.mkdir()
    with serve(root, work, args.server) as served:
        base = served.base_url
        started = time.perf_counter()
        urls = write_pages(root, base, pages)
        small, large = (str(write_url_list(tmp, base, n)) for n in (10_000, 100_000))
        urls_file = tmp / "urls.txt"
        urls_file.write_text("\n".join(urls))
        print(
            f"server: {served.name}; {pages:,} pages written in "
            f"{time.perf_counter() - started:.0f} s",
            flush=True,
        )
        batch, repeats = str(args.batch), str(args.repeats)

        def core(frontier: str, name: str, w: int) -> dict[str, Any]:
            return run_stage(
                "core",
                *("--frontier", frontier, "--db", str(tmp / f"{name}.duckdb")),
                *("--pages", str(pages), "--workers", str(w), "--batch", batch),
            )

        def stages(i: int) -> tuple[dict[str, Any], dict[str, Any]]:
            fetch = run_stage("fetch", "--urls-file", str(urls_file), "--repeats", "1")
            es = run_stage(
                "extract-store",
                *("--urls-file", str(urls_file), "--root", str(root)),
                *("--db", str(tmp / f"stage{i}.duckdb"), "--batch", batch),
            )
            return fetch, es

        # Rounds: the stages and an end-to-end run back to back, the order swapped every
        # round, so that each ratio compares runs made under the same load.
        rounds: list[Round] = []
        for i in range(args.repeats):
            if i % 2 == 0:
                fetch, es = stages(i)
                run = core(small, f"core{i}", workers[0])
            else:
                run = core(small, f"core{i}", workers[0])
                fetch, es = stages(i)
            rounds.append(Round(pages, fetch, es, run))
        others = {w: core(small, f"core-w{w}", w) for w in workers[1:]}
        big = core(large, "core-100k", workers[0])  # memory with ten times the frontier
        pairs: list[dict[str, Any]] = []
        if not args.no_prefect:
            folder = tmp / "pairs"
            folder.mkdir()
            # Prefect's own database in the run's folder: never a user's, never shared.
            env = {**os.environ, "PREFECT_HOME": str(tmp / "prefect")}
            pairs = run_stage(
                "pairs",
                *("--frontier", small, "--folder", str(folder), "--pages", str(pages)),
                *("--batch", batch, "--repeats", repeats),
                env=env,
            )["runs"]
    print(f"load average at the end: {_load()}", flush=True)
    return report(pages, rounds, others, big, pairs)


def _rate(core: dict[str, Any]) -> float:
    """Pages per second of fetch + extract + store: the run's wall time less discovery."""
    return float(core["fetched"] / (core["wall_s"] - core["discovery_s"]))


def _cpu_ms(core: dict[str, Any]) -> float:
    """CPU ms per page of the process tree, discovery left out."""
    return float((core["cpu_s"] - core["discovery_cpu_s"]) / core["fetched"] * 1000)


def _spread(values: list[float], digits: int = 3) -> dict[str, float]:
    return {
        "median": round(statistics.median(values), digits),
        "min": round(min(values), digits),
        "max": round(max(values), digits),
        "n": len(values),
    }


class Round:
    """One round: fetch only, extract + store only, and an end-to-end run, close in time."""

    def __init__(
        self, pages: int, fetch: dict[str, Any], es: dict[str, Any], core: dict[str, Any]
    ) -> None:
        [f] = fetch["runs"]
        self.core = core
        self.wall = {
            "fetch": f["wall_s"] / pages,
            "extract": es["extract_s"] / pages,
            "store": es["store_s"] / pages,
        }
        self.cpu = {
            "fetch": f["cpu_s"] / pages,
            "extract": es["extract_cpu_s"] / pages,
            "store": es["store_cpu_s"] / pages,
        }
        self.refresh_share = es["store_refresh_s"] / es["store_s"]
        self.bound = 1 / sum(self.wall.values())
        self.ratio = _rate(core) / self.bound
        self.cpu_ratio = sum(self.cpu.values()) * 1000 / _cpu_ms(core)

    def line(self, i: int) -> str:
        costs = ", ".join(
            f"{k} {self.wall[k] * 1000:.2f} ({self.cpu[k] * 1000:.2f})" for k in self.wall
        )
        c = self.core
        return (
            f"round {i}: stage ms/page wall (CPU) {costs} -> bound {self.bound:.0f} pages/s; "
            f"end to end {_rate(c):.0f} pages/s ({c['fetched']} in "
            f"{c['wall_s'] - c['discovery_s']:.1f} s + {c['discovery_s']:.1f} s discovery), "
            f"{_cpu_ms(c):.2f} CPU ms/page -> {self.ratio:.2f}x the bound, stage CPU / "
            f"end-to-end CPU {self.cpu_ratio:.2f}; peak RSS {c['peak_rss_mb']:.0f} MB; "
            f"load {c['load']}"
        )


def report(
    pages: int,
    rounds: list[Round],
    others: dict[int, dict[str, Any]],
    big: dict[str, Any],
    pairs: list[dict[str, Any]],
) -> dict[str, object]:
    print()
    for i, r in enumerate(rounds):
        print(r.line(i))
    ratios = [r.ratio for r in rounds]
    cpu_ratios = [r.cpu_ratio for r in rounds]
    refresh = statistics.median(r.refresh_share for r in rounds)
    print(
        f"end to end vs stage bound, {len(ratios)} rounds: median {statistics.median(ratios):.2f}"
        f" (spread {min(ratios):.2f}-{max(ratios):.2f}); stage CPU / end-to-end CPU median "
        f"{statistics.median(cpu_ratios):.2f}; the store stage includes the end-of-run refresh "
        f"of duplicate marks and search postings ({refresh:.0%} of it)"
    )
    for w, c in others.items():
        print(f"{w} extraction processes: {_rate(c):.0f} pages/s, {_cpu_ms(c):.2f} CPU ms/page")
    rss_10k = [float(r.core["peak_rss_mb"]) for r in rounds]
    rss_ratio = big["peak_rss_mb"] / statistics.median(rss_10k)
    print(
        f"peak RSS (process tree), frontier 10,000: {[round(x) for x in rss_10k]} MB; 100,000: "
        f"{big['peak_rss_mb']:.0f} MB ({big['fetched']} fetched at {_rate(big):.0f} pages/s, "
        f"discovery {big['discovery_s']:.1f} s) -> ratio {rss_ratio:.2f}"
    )
    median_round = sorted(rounds, key=lambda r: r.ratio)[len(rounds) // 2]
    return {
        "pages": pages,
        "stage_ms_per_page": {k: round(v * 1000, 3) for k, v in median_round.wall.items()},
        "stage_cpu_ms_per_page": {k: round(v * 1000, 3) for k, v in median_round.cpu.items()},
        "stage_bound_pages_s": _spread([r.bound for r in rounds], 1),
        "e2e_pages_s": _spread([_rate(r.core) for r in rounds], 1),
        "e2e_cpu_ms_per_page": _spread([_cpu_ms(r.core) for r in rounds]),
        "e2e_vs_stage_bound": round(statistics.median(ratios), 3),
        "e2e_vs_stage_bound_spread": [round(min(ratios), 3), round(max(ratios), 3)],
        "stage_cpu_vs_e2e_cpu": round(statistics.median(cpu_ratios), 3),
        **{f"e2e_pages_s_{w}_workers": round(_rate(c), 1) for w, c in others.items()},
        **_prefect(pairs),
        "rss_mb_10k": _spread(rss_10k, 1),
        "rss_mb_100k": round(big["peak_rss_mb"], 1),
        "rss_ratio_100k_vs_10k": round(rss_ratio, 3),
    }


def _prefect(pairs: list[dict[str, Any]]) -> dict[str, object]:
    """Flow against core, pair by pair (each pair ran back to back, in alternating order)."""
    if not pairs:
        return {"prefect_overhead": None}
    by_pair: dict[int, dict[str, dict[str, Any]]] = {}
    for run in pairs:
        by_pair.setdefault(run["pair"], {})[run["kind"]] = run
    wall = [p["flow"]["wall_s"] / p["core"]["wall_s"] - 1 for p in by_pair.values()]
    cpu = [p["flow"]["cpu_s"] / p["core"]["cpu_s"] - 1 for p in by_pair.values()]
    for i, p in sorted(by_pair.items()):
        print(
            f"pair {i}: core {p['core']['wall_s']:.1f} s ({p['core']['cpu_s']:.1f} CPU s), flow "
            f"{p['flow']['wall_s']:.1f} s ({p['flow']['cpu_s']:.1f} CPU s) -> "
            f"{wall[i]:+.1%} wall, {cpu[i]:+.1%} CPU; load {p['core']['load_1min']:.1f}"
        )
    print(
        f"Prefect flow vs core, {len(wall)} pairs: median {statistics.median(wall):+.1%} wall "
        f"(spread {min(wall):+.1%} to {max(wall):+.1%}), {statistics.median(cpu):+.1%} CPU "
        "(the Prefect API server's CPU included)"
    )
    return {
        "prefect_overhead": round(statistics.median(wall), 3),
        "prefect_overhead_spread": [round(min(wall), 3), round(max(wall), 3)],
        "prefect_overhead_cpu": round(statistics.median(cpu), 3),
    }


if __name__ == "__main__":
    main()
