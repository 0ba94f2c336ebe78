"""Fetch benchmark: the newsdesk fetcher against aiohttp, plain httpx and Scrapy on loopback.

Serves static 30-60 KB pages from nginx (installed with apt-get when missing; our LocalServer when
it cannot be had), runs every client in its own process, prints a table and a last JSON line.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from fetch_clients import CLIENTS, ON_UVLOOP  # noqa: E402
from fetch_servers import Served, ensure_nginx, local_server, nginx, write_pages  # noqa: E402

_CLIENT_SCRIPT = Path(__file__).resolve().parent / "fetch_clients.py"
_MAIN = ("newsdesk", "aiohttp", "httpx", "scrapy")
_TRANSPORTS = ("httpx+httpx-aiohttp", "httpx+newsdesk-transport")
# (ours, theirs, JSON key): each ratio compares clients on the same kind of event loop.
_RATIOS = (
    ("newsdesk", "aiohttp", "vs_aiohttp"),
    ("newsdesk", "httpx", "vs_httpx"),
    ("newsdesk", "scrapy", "vs_scrapy"),
    ("newsdesk+uvloop", "aiohttp+uvloop", "uvloop_vs_aiohttp"),
)


@dataclass(frozen=True, slots=True)
class Run:
    """One client at one concurrency: what it fetched and what it cost."""

    client: str
    concurrency: int
    pages: int
    ok: int
    wall_s: float
    cpu_s: float
    peak_rss_mb: float
    errors: dict[str, int]

    @property
    def pages_per_s(self) -> float:
        return self.ok / self.wall_s  # pages that arrived whole, per second

    @property
    def cpu_ms_per_page(self) -> float:
        return 1000 * self.cpu_s / self.pages


def measure(client: str, concurrency: int, base_url: str, pages: int) -> Run:
    command = [sys.executable, str(_CLIENT_SCRIPT), client, str(concurrency), base_url, str(pages)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=1800)
    if done.returncode != 0:
        raise RuntimeError(f"client {client} failed:\n{done.stderr[-2000:]}")
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    run = Run(client, concurrency, pages, **figures)
    failures = ", ".join(f"{n} {name}" for name, n in run.errors.items())
    print(
        f"{client:26} {concurrency:>4} {run.ok:>6}/{pages:<6} {run.pages_per_s:>9.0f} "
        f"{run.cpu_ms_per_page:>9.2f} {run.peak_rss_mb:>8.0f} {_load():>5}  {failures}",
        flush=True,
    )
    return run


def _load() -> str:
    """The 1-minute load average: on a shared machine, how much else wanted the cores."""
    return f"{os.getloadavg()[0]:.1f}"


def _header(title: str) -> None:
    print(
        f"\n{title}\n{'client':26} {'conc':>4} {'ok/pages':>13} {'pages/s':>9} "
        f"{'CPU ms/pg':>9} {'RSS MB':>8} {'load':>5}",
        flush=True,
    )


def best(runs: list[Run], client: str) -> Run:
    return max((r for r in runs if r.client == client), key=lambda r: r.pages_per_s)


@contextlib.contextmanager
def page_server(choice: str, root: Path, work: Path) -> Iterator[Served]:
    binary = ensure_nginx() if choice in ("auto", "nginx") else None
    if binary is None and choice == "nginx":
        raise SystemExit("nginx was asked for but cannot be found or installed")
    if binary is None:
        print("nginx cannot be had here: falling back to the project's LocalServer", flush=True)
        with local_server(root) as served:
            yield served
        return
    with nginx(binary, root, work) as served:
        yield served


def compare(args: argparse.Namespace, root: Path, work: Path) -> tuple[list[Run], str]:
    clients = [c for c in (*_MAIN, *_TRANSPORTS, *ON_UVLOOP) if c in args.clients]
    with page_server(args.server, root, work) as served:
        _header(f"{args.pages} pages of 30-60 KB from {served.name} ({served.base_url})")
        runs = [
            measure(client, concurrency, served.base_url, args.pages)
            for concurrency in args.concurrency
            for client in clients
        ]
    return runs, served.name


def retry_cost(args: argparse.Namespace, root: Path) -> tuple[Run, Run]:
    """The fetcher on LocalServer without and with 10% of pages answering 503 once."""
    concurrency = 64 if 64 in args.concurrency else args.concurrency[0]
    _header("retry cost: the same LocalServer, without and with 10% of pages answering 503 once")
    with local_server(root) as served:
        clean = measure("newsdesk", concurrency, served.base_url, args.pages)
    with local_server(root, fail_once_percent=10) as served:
        faulty = measure("newsdesk", concurrency, served.base_url, args.pages)
    return clean, faulty


def summary(runs: list[Run], server: str, clean: Run, faulty: Run) -> dict[str, object]:
    pages = best(runs, "newsdesk").pages
    figures: dict[str, object] = {"server": server, "pages": pages, "load_avg_end": _load()}
    for ours_name, name, key in _RATIOS:
        if any(r.client == name for r in runs) and any(r.client == ours_name for r in runs):
            ours, other = best(runs, ours_name), best(runs, name)
            figures[key] = round(ours.pages_per_s / other.pages_per_s, 3)
            # Pages per CPU second: steadier than pages/s when other work shares the cores.
            figures[f"cpu_{key}"] = round(other.cpu_ms_per_page / ours.cpu_ms_per_page, 3)
            print(
                f"{ours_name}/{name}: {figures[key]:.2f} in pages/s, "
                f"{figures[f'cpu_{key}']:.2f} in pages per CPU second "
                f"({ours_name} at {ours.concurrency}, {name} at {other.concurrency})"
            )
    figures["best"] = {c: asdict(best(runs, c)) for c in {r.client for r in runs}}
    figures["retry_all_ok"] = faulty.ok == faulty.pages
    extra_cpu = 1000 * (faulty.cpu_s - clean.cpu_s) / faulty.pages
    figures["retry"] = {"clean": asdict(clean), "faulty": asdict(faulty)}
    print(
        f"retries: {faulty.ok}/{faulty.pages} ok; {clean.pages_per_s:.0f} -> "
        f"{faulty.pages_per_s:.0f} pages/s, {extra_cpu:+.2f} CPU ms/page"
    )
    return figures


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="2,000 pages at concurrency 64 only")
    parser.add_argument("--pages", type=int, default=20_000)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[16, 64, 256])
    parser.add_argument("--clients", nargs="+", default=list(CLIENTS), choices=CLIENTS)
    parser.add_argument("--server", choices=("auto", "nginx", "local"), default="auto")
    parser.add_argument("--work-dir", type=Path, default=None, help="where pages are written")
    args = parser.parse_args(argv)
    if args.quick:
        args.pages, args.concurrency = 2_000, [64]
        args.clients = [c for c in args.clients if c in _MAIN]
    return args


def _stop_on_sigterm(signum: int, frame: object) -> None:
    raise SystemExit(f"stopped by signal {signum}")  # unwinds: servers stop, pages are removed


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    with tempfile.TemporaryDirectory(dir=args.work_dir, prefix="newsdesk-fetch-") as tmp:
        work = Path(tmp)
        work.chmod(0o755)  # nginx workers run as an unprivileged user
        root = work / "site"
        write_pages(root, args.pages)
        runs, server = compare(args, root, work)
        clean, faulty = retry_cost(args, root)
    print(json.dumps(summary(runs, server, clean, faulty)))


if __name__ == "__main__":
    main()
