"""Page sets and loopback servers for the fetch benchmark: nginx when it can be had, else ours.

Pages are hard links to a few dozen distinct 30-60 KB bodies, so 20,000 of them cost no disk.
"""

from __future__ import annotations

import contextlib
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

_DISTINCT_BODIES = 64
_WORDS = (
    "minister council election market storm harbour league festival budget inquiry report "
    "vote rates energy transport school hospital court police river city region club"
).split()


@dataclass(frozen=True, slots=True)
class Served:
    """A running server: what it is and the base URL of its pages."""

    name: str
    base_url: str


def _body(rng: random.Random, size: int) -> bytes:
    head = "<!doctype html><html><head><meta charset=utf-8><title>Story</title></head><body>"
    parts = [head]
    while sum(map(len, parts)) < size:
        sentence = " ".join(rng.choice(_WORDS) for _ in range(14)).capitalize()
        parts.append(f"<p>{sentence}.</p>\n")
    return ("".join(parts) + "</body></html>").encode()[: size - 14] + b"</body></html>"


def write_pages(root: Path, count: int) -> None:
    """`count` pages at root/p/<n>.html, 30-60 KB each, hard-linked to a few distinct bodies."""
    rng = random.Random(20261123)
    distinct = root / "distinct"
    pages = root / "p"
    distinct.mkdir(parents=True, exist_ok=True)
    pages.mkdir(exist_ok=True)
    sources = []
    for n in range(_DISTINCT_BODIES):
        source = distinct / f"{n}.html"
        source.write_bytes(_body(rng, rng.randint(30_000, 60_000)))
        sources.append(source)
    for n in range(count):
        target = pages / f"{n}.html"
        if not target.exists():
            os.link(sources[n % _DISTINCT_BODIES], target)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_listening(port: int, process: subprocess.Popen, timeout_s: float = 20.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with status {process.returncode}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return
        time.sleep(0.05)
    raise RuntimeError(f"server did not listen on port {port} within {timeout_s} s")


def ensure_nginx() -> str | None:
    """The nginx binary, installing Debian's package when missing; None if it cannot be had."""
    found = shutil.which("nginx") or (
        "/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None
    )
    if found or not shutil.which("apt-get") or os.geteuid() != 0:
        return found
    print("nginx is missing: installing it with apt-get ...", file=sys.stderr, flush=True)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL, "env": env}
    subprocess.run(["apt-get", "update"], check=False, **quiet)
    subprocess.run(
        ["apt-get", "install", "-y", "--no-install-recommends", "nginx"], check=False, **quiet
    )
    return shutil.which("nginx") or (
        "/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None
    )


_NGINX_CONF = """
daemon off;
worker_processes 1;
pid {work}/nginx.pid;
error_log {work}/error.log error;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 1000000;
    keepalive_timeout 120s;
    default_type text/html;
    types {{ text/html html; }}
    charset utf-8;
    client_body_temp_path {work}/body;
    proxy_temp_path {work}/proxy;
    fastcgi_temp_path {work}/fastcgi;
    uwsgi_temp_path {work}/uwsgi;
    scgi_temp_path {work}/scgi;
    server {{
        listen 127.0.0.1:{port};
        root {root};
    }}
}}
"""


@contextlib.contextmanager
def nginx(binary: str, root: Path, work: Path) -> Iterator[Served]:
    """nginx (one worker, keep-alive) serving `root` on a free loopback port."""
    port = free_port()
    conf = work / "nginx.conf"
    conf.write_text(_NGINX_CONF.format(work=work, port=port, root=root))
    process = subprocess.Popen([binary, "-c", str(conf), "-p", str(work)], stderr=subprocess.PIPE)
    try:
        _wait_listening(port, process)
        yield Served("nginx", f"http://127.0.0.1:{port}")
    finally:
        _stop(process, signal.SIGQUIT)


@contextlib.contextmanager
def local_server(root: Path, *, fail_once_percent: int = 0) -> Iterator[Served]:
    """The project's own `LocalServer`, in its own process so it does not share our GIL."""
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "ingest.testing.server",
        "--port",
        str(port),
        "--root",
        str(root),
        "--fail-once-percent",
        str(fail_once_percent),
    ]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
    try:
        _wait_listening(port, process)
        yield Served("newsdesk LocalServer", f"http://127.0.0.1:{port}")
    finally:
        _stop(process, signal.SIGTERM)


def _stop(process: subprocess.Popen, sig: signal.Signals) -> None:
    if process.poll() is None:
        process.send_signal(sig)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
