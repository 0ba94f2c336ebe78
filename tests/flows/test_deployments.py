"""prefect.yaml for real: a Prefect server, the process work pool, `prefect deploy --all`, a
worker, and a run of the feed deployment against the demo site on 127.0.0.1.

Every process here is started in its own process group and stopped (SIGTERM, then SIGKILL)
whatever happens; the Prefect home, logs and warehouse live in the test's temporary folder.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ingest.testing import loopback_only
from ingest.testing.newsite import DemoSite
from storage.warehouse import Warehouse

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
PREFECT = [sys.executable, "-m", "prefect"]
POOL = "newsdesk-process"
DEPLOYMENTS = ("scrape/feeds", "scrape/nightly-sitemaps", "backfill/seeds", "reparse/reparse")
STARTUP_S = 240.0
DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never via a proxy


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _environment(home: Path, api_url: str, warehouse: Path) -> dict[str, str]:
    # No proxy either: Prefect's clients would otherwise send loopback API calls through it.
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PREFECT_", "NEWSDESK_")) and not k.lower().endswith("_proxy")
    }
    env.update(
        PREFECT_HOME=str(home),
        PREFECT_API_URL=api_url,
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        PREFECT_SERVER_EPHEMERAL_ENABLED="false",
        PREFECT_UI_ENABLED="false",
        PREFECT_CLI_PROMPT="false",
        # No scheduled runs may start during the test: only the run it creates itself.
        PREFECT_SERVER_SERVICES_SCHEDULER_ENABLED="false",
        PREFECT_WORKER_QUERY_SECONDS="2",
        # A run that somehow got the default parameters still writes into the temporary folder.
        NEWSDESK_WAREHOUSE=str(warehouse),
        NO_PROXY="127.0.0.1,localhost",
        PWD=str(REPO),  # `{{ $PWD }}` in prefect.yaml is read from here, not from cwd
    )
    return env


def _descendants(pid: int) -> list[int]:
    """Process ids below `pid` (Linux /proc); flow runs may start their own sessions."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = entry.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(entry.parent.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def _signal_all(pids: list[int], sig: signal.Signals) -> None:
    for pid in pids:
        try:
            os.killpg(os.getpgid(pid), sig)
        except (ProcessLookupError, PermissionError):
            pass


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM to the process group (and any descendants' groups), SIGKILL after 20 s."""
    pids = [proc.pid, *_descendants(proc.pid)]
    _signal_all(pids, signal.SIGTERM)
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        pass
    _signal_all(pids, signal.SIGKILL)
    proc.wait(timeout=10)


def _start(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen(
            PREFECT + args,
            env=env,
            cwd=REPO,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, so all of it can be stopped
        )


def _wait_healthy(api_url: str, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + STARTUP_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"prefect server exited with {proc.returncode}:\n{log.read_text()}")
        try:
            with DIRECT.open(f"{api_url}/health", timeout=5) as answer:
                if answer.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.5)
    pytest.fail(f"prefect server not healthy after {STARTUP_S} s:\n{log.read_text()}")


def _prefect(args: list[str], env: dict[str, str], timeout: float = 300) -> str:
    done = subprocess.run(
        PREFECT + args,
        env=env,
        cwd=REPO,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, f"prefect {' '.join(args)} failed:\n{output}"
    return done.stdout


async def _deployments(api_url: str) -> dict[str, Any]:
    """The deployments as the server holds them, read with Prefect's client in this process."""
    from prefect.client.orchestration import get_client
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings(updates={PREFECT_API_URL: api_url}):
        async with get_client() as client:
            return {name: await client.read_deployment_by_name(name) for name in DEPLOYMENTS}


@pytest.fixture
def prefect_env(tmp_path: Path) -> Iterator[dict[str, str]]:
    """A Prefect server of the test's own, and the environment every client uses to reach it."""
    port = _free_port()
    api_url = f"http://127.0.0.1:{port}/api"
    env = _environment(tmp_path / "prefect-home", api_url, tmp_path / "default.duckdb")
    log = tmp_path / "server.log"
    server = _start(["server", "start", "--host", "127.0.0.1", "--port", str(port)], env, log)
    try:
        _wait_healthy(api_url, server, log)
        yield env
    finally:
        _stop(server)


def test_deploy_all_and_run_the_feed_deployment_on_a_worker(
    prefect_env: dict[str, str], demo_site: DemoSite, tmp_path: Path
) -> None:
    _prefect(["work-pool", "create", POOL, "--type", "process"], prefect_env)
    worker_log = tmp_path / "worker.log"
    # Started before deploying: its start-up overlaps with `prefect deploy`.
    worker = _start(
        ["worker", "start", "--pool", POOL, "--name", "test-worker", "--install-policy", "never"],
        prefect_env,
        worker_log,
    )
    warehouse = tmp_path / "scraped.duckdb"
    try:
        deployed = _prefect(["--no-prompt", "deploy", "--all"], prefect_env)
        for name in DEPLOYMENTS:
            assert name in deployed, deployed
        shown = asyncio.run(_deployments(prefect_env["PREFECT_API_URL"]))
        assert {
            name: d.global_concurrency_limit.limit for name, d in shown.items()
        } == dict.fromkeys(DEPLOYMENTS, 1)
        assert {d.work_pool_name for d in shown.values()} == {POOL}
        feeds, nightly = shown["scrape/feeds"].schedules, shown["scrape/nightly-sitemaps"].schedules
        assert feeds[0].schedule.cron == "*/15 * * * *" and feeds[0].active
        assert nightly[0].schedule.cron == "30 2 * * *" and nightly[0].active
        params = {
            "sources": {"feeds": list(demo_site.feeds)},
            "limits": {"batch_size": 4, "concurrency": 8},
            "warehouse": str(warehouse),
            "allow_private_addresses": True,
            "forbidden_networks": [str(n) for n in loopback_only()],
        }
        run = ["deployment", "run", "scrape/feeds", "--params", json.dumps(params)]
        _prefect([*run, "--watch", "--watch-timeout", "400"], prefect_env, timeout=450)
    except BaseException:
        print(worker_log.read_text(errors="replace"), file=sys.stderr)
        raise
    finally:
        _stop(worker)

    listed = {a.url for a in demo_site.articles if a.listed}
    with Warehouse(warehouse, read_only=True).connection() as con:
        urls = {row[0] for row in con.execute("SELECT url FROM articles").fetchall()}
        runs = con.execute("SELECT kind, status FROM runs").fetchall()
    assert runs == [("scrape", "completed")]
    assert listed and listed <= urls, sorted(listed - urls)
    assert not (tmp_path / "default.duckdb").exists()
