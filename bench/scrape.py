"""Scrape benchmark: the whole pipeline against its stage bound, Prefect against the core, and
peak memory with a frontier of 10,000 and of 100,000 URLs.

Serves synthetic 30-60 KB article pages from nginx (our LocalServer when nginx
cannot be had); every measurement runs in its own process. Last line: a JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fetch_servers import Served, ensure_nginx, local_server, nginx  # noqa: E402

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
        self.peak = 0
        self._process = psutil.Process(pid)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                tree = [self._process, *self._process.children(recursive=True)]
                total = sum(p.memory_info().rss for p in tree if p.is_running())
                self.peak = max(self.peak, total)
            except psutil.Error:
                pass
            self._stop.wait(0.05)

    def stop(self) -> float:
        self._stop.set()
        self._thread.join()
        return self.peak / 2**20


def run_stage(stage: str, *args: str, env: dict[str, str] | None = None) -> dict[str, float]:
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
    figures = {**json.loads(out.strip().splitlines()[-1]), "peak_rss_mb": round(peak, 1)}
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
    parser.add_argument("--quick", action="store_true", help="1,000 pages; under three minutes")
    parser.add_argument("--pages", type=int, help="pages fetched per run (10,000; quick 1,000)")
    parser.add_argument("--workers", default=None, help="extraction processes to try, e.g. 1,2")
    parser.add_argument("--batch", type=int, default=200)
    parser.add_argument("--server", choices=["auto", "nginx", "local"], default="auto")
    parser.add_argument("--no-prefect", action="store_true", help="skip the Prefect flow run")
    args = parser.parse_args(argv)
    pages = args.pages or (1_000 if args.quick else 10_000)
    workers = [int(w) for w in (args.workers or ("1" if args.quick else "1,2")).split(",")]
    with tempfile.TemporaryDirectory(prefix="newsdesk-scrape-bench-") as tmp:
        figures = measure(Path(tmp), pages, workers, args)
    print(json.dumps(figures))


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
        batch = str(args.batch)
        fetch = run_stage("fetch", "--urls-file", str(urls_file))
        es = run_stage(
            "extract-store",
            "--urls-file",
            str(urls_file),
            "--root",
            str(root),
            "--db",
            str(tmp / "stage.duckdb"),
            "--batch",
            batch,
        )
        cores = {
            w: run_stage(
                "core",
                "--frontier",
                small,
                "--db",
                str(tmp / f"core{w}.duckdb"),
                "--pages",
                str(pages),
                "--workers",
                str(w),
                "--batch",
                batch,
            )
            for w in workers
        }
        big = run_stage(
            "core",
            "--frontier",
            large,
            "--db",
            str(tmp / "core-100k.duckdb"),
            "--pages",
            str(pages),
            "--workers",
            str(workers[0]),
            "--batch",
            batch,
        )
        flow = None
        if not args.no_prefect:
            # Prefect's own database in the run's folder: never a user's, never shared.
            env = {**os.environ, "PREFECT_HOME": str(tmp / "prefect")}
            flow = run_stage(
                "flow",
                "--frontier",
                small,
                "--db",
                str(tmp / "flow.duckdb"),
                "--pages",
                str(pages),
                "--batch",
                batch,
                env=env,
            )
    return report(pages, fetch, es, cores, big, flow, workers[0])


def _rate(core: dict[str, float]) -> float:
    """Pages per second of fetch + extract + store: the run's wall time less discovery."""
    return core["fetched"] / (core["wall_s"] - core["discovery_s"])


def report(
    pages: int,
    fetch: dict[str, float],
    es: dict[str, float],
    cores: dict[int, dict[str, float]],
    big: dict[str, float],
    flow: dict[str, float] | None,
    main_workers: int,
) -> dict[str, object]:
    per_page = {
        "fetch": fetch["wall_s"] / pages,
        "extract": es["extract_s"] / pages,
        "store": es["store_s"] / pages,
    }
    bound = 1 / sum(per_page.values())
    print(
        "\nstage costs per page (ms): "
        + ", ".join(f"{k} {v * 1000:.2f}" for k, v in per_page.items())
        + f"  -> stage bound {bound:.0f} pages/s"
    )
    print(f"fetch only: {fetch['ok']:.0f}/{pages} ok, {pages / fetch['wall_s']:.0f} pages/s")
    if "store_append_articles_s" in es:
        share = es["store_append_articles_s"] / es["store_s"]
        print(f"store: {share:.0%} of it in append_articles (versions, duplicates, search index)")
    for w, core in cores.items():
        print(
            f"core end to end, {w} extraction process(es): {core['fetched']:.0f} fetched, "
            f"{core['stored']:.0f} stored in {core['wall_s'] - core['discovery_s']:.1f} s "
            f"(+ {core['discovery_s']:.1f} s discovering {core['frontier_new']:.0f} URLs) -> "
            f"{_rate(core):.0f} pages/s = {_rate(core) / bound:.2f}x bound "
            f"({core['fetched'] / core['wall_s']:.0f} pages/s counting discovery), "
            f"peak RSS {core['peak_rss_mb']:.0f} MB; extraction processes started "
            f"beforehand in {core['warm_up_s']:.1f} s"
        )
    main = cores[main_workers]
    e2e = _rate(main)
    print(
        f"frontier 100,000: {big['fetched']:.0f} fetched in {big['wall_s']:.1f} s "
        f"(discovery {big['discovery_s']:.1f} s) -> {_rate(big):.0f} pages/s = "
        f"{_rate(big) / bound:.2f}x bound (same pages and settings: the spread between the two "
        f"runs is this machine's noise), peak RSS {big['peak_rss_mb']:.0f} MB "
        f"(10,000: {main['peak_rss_mb']:.0f} MB)"
    )
    overhead = None
    if flow is not None:
        overhead = flow["wall_s"] / main["wall_s"] - 1  # both include discovery
        print(
            f"Prefect flow: {flow['fetched']:.0f} fetched in {flow['wall_s']:.1f} s "
            f"vs core {main['wall_s']:.1f} s -> overhead {overhead:+.1%}"
        )
    best = max(_rate(c) for c in cores.values())
    return {
        "pages": pages,
        "stage_ms_per_page": {k: round(v * 1000, 3) for k, v in per_page.items()},
        "stage_bound_pages_s": round(bound, 1),
        "store_append_share": round(es.get("store_append_articles_s", 0) / es["store_s"], 3),
        "e2e_pages_s": round(e2e, 1),
        "e2e_best_pages_s": round(best, 1),
        "e2e_vs_stage_bound": round(e2e / bound, 3),
        "e2e_vs_stage_bound_100k_run": round(_rate(big) / bound, 3),
        "prefect_overhead": round(overhead, 3) if overhead is not None else None,
        "rss_mb_10k": round(main["peak_rss_mb"], 1),
        "rss_mb_100k": round(big["peak_rss_mb"], 1),
        "rss_ratio_100k_vs_10k": round(big["peak_rss_mb"] / main["peak_rss_mb"], 3),
    }


if __name__ == "__main__":
    main()
