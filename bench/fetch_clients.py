"""One client run of the fetch benchmark, in a process of its own so CPU and RSS are its own.

`python bench/fetch_clients.py CLIENT CONCURRENCY BASE_URL COUNT` prints one JSON line. A client
name ending in `+uvloop` runs that client on uvloop's event loop instead of asyncio's.
"""

from __future__ import annotations

import asyncio
import importlib
import json
import resource
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script from anywhere

# Each client's modules are imported before the clock starts (and only its own, so that its
# peak RSS is its own): see `_import_for`.
_MODULES = {
    "newsdesk": ("ingest.fetch", "ingest.testing.safety"),
    "aiohttp": ("aiohttp",),
    "httpx": ("httpx",),
    "httpx+httpx-aiohttp": ("httpx", "httpx_aiohttp"),
    "httpx+newsdesk-transport": ("httpx", "ingest.fetch._h1_transport"),
    "scrapy": ("scrapy", "scrapy.crawler"),
}


_UVLOOP = "+uvloop"


def _import_for(client: str) -> None:
    for name in _MODULES[client.removesuffix(_UVLOOP)]:
        importlib.import_module(name)
    if client.endswith(_UVLOOP):
        importlib.import_module("uvloop")


errors: dict[str, int] = {}  # exception name -> count, reported with the figures


async def _pool(urls: list[str], concurrency: int, get: Callable[[str], Awaitable[int]]) -> int:
    """Run `get` over `urls` with `concurrency` workers; returns how many answered 200."""
    queue = iter(urls)
    ok = 0

    async def worker() -> None:
        nonlocal ok
        for url in queue:
            try:
                status = await get(url)  # not `ok += await ...`: that reads `ok` first
            except Exception as exc:  # counted as not ok; e.g. httpx's PoolTimeout at 256
                errors[type(exc).__name__] = errors.get(type(exc).__name__, 0) + 1
                continue
            ok += status == 200

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return ok


async def run_aiohttp(urls: list[str], concurrency: int) -> int:
    import aiohttp

    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def get(url: str) -> int:
            async with session.get(url) as response:
                await response.read()
                return response.status

        return await _pool(urls, concurrency, get)


async def _run_httpx(urls: list[str], concurrency: int, transport: object | None) -> int:
    import httpx

    async with httpx.AsyncClient(transport=transport) as client:  # type: ignore[arg-type]

        async def get(url: str) -> int:
            response = await client.get(url)
            return response.status_code

        return await _pool(urls, concurrency, get)


async def run_httpx(urls: list[str], concurrency: int) -> int:
    return await _run_httpx(urls, concurrency, None)


async def run_httpx_aiohttp(urls: list[str], concurrency: int) -> int:
    from httpx_aiohttp import AiohttpTransport

    return await _run_httpx(urls, concurrency, AiohttpTransport())


async def run_httpx_newsdesk_transport(urls: list[str], concurrency: int) -> int:
    from ingest.fetch._guard import AddressPolicy
    from ingest.fetch._h1_transport import H1Transport

    policy = AddressPolicy(allow_private=True)
    return await _run_httpx(urls, concurrency, H1Transport(max_connections=100, policy=policy))


async def run_newsdesk(urls: list[str], concurrency: int) -> int:
    from ingest.fetch import Fetcher, Politeness
    from ingest.testing.safety import loopback_settings

    settings = loopback_settings(
        concurrency=concurrency,
        per_host=concurrency,
        respect_robots=False,
        # A local benchmark server: no adaptive slow-down after the injected 503s.
        politeness=Politeness(throttle_delay_s=0.0),
    )
    async with Fetcher(settings) as fetcher:
        return sum([result.ok async for result in fetcher.fetch_many(urls)])


def run_scrapy(urls: list[str], concurrency: int) -> int:
    import scrapy
    from scrapy.crawler import CrawlerProcess

    counts = {"ok": 0}

    class Pages(scrapy.Spider):
        name = "pages"
        custom_settings = {"RETRY_ENABLED": False}

        async def start(self):  # type: ignore[override]
            for url in urls:
                yield scrapy.Request(url, dont_filter=True)

        def parse(self, response):  # type: ignore[override]
            counts["ok"] += response.status == 200 and len(response.body) > 0

    process = CrawlerProcess(
        settings={
            "CONCURRENT_REQUESTS": concurrency,
            "CONCURRENT_REQUESTS_PER_DOMAIN": concurrency,
            "DOWNLOAD_DELAY": 0,
            "AUTOTHROTTLE_ENABLED": False,
            "ROBOTSTXT_OBEY": False,
            "COOKIES_ENABLED": False,
            "TELNETCONSOLE_ENABLED": False,
            "LOG_LEVEL": "ERROR",
        }
    )
    process.crawl(Pages)
    process.start()
    return counts["ok"]


ASYNC_CLIENTS = {
    "newsdesk": run_newsdesk,
    "aiohttp": run_aiohttp,
    "httpx": run_httpx,
    "httpx+httpx-aiohttp": run_httpx_aiohttp,
    "httpx+newsdesk-transport": run_httpx_newsdesk_transport,
}
# The same clients on uvloop: the fetcher and the bare aiohttp client, so that the ratio of the
# two compares like with like (Scrapy runs on Twisted's reactor either way).
ON_UVLOOP = ("newsdesk" + _UVLOOP, "aiohttp" + _UVLOOP)
CLIENTS = (*ASYNC_CLIENTS, "scrapy", *ON_UVLOOP)


def _run_async(client: str, urls: list[str], concurrency: int) -> int:
    run = ASYNC_CLIENTS[client.removesuffix(_UVLOOP)](urls, concurrency)
    if not client.endswith(_UVLOOP):
        return asyncio.run(run)
    import uvloop

    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        return runner.run(run)


def main() -> None:
    client, concurrency, base, count = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
    urls = [f"{base}/p/{n}.html" for n in range(count)]
    _import_for(client)
    cpu0, wall0 = time.process_time(), time.perf_counter()
    if client == "scrapy":
        ok = run_scrapy(urls, concurrency)
    else:
        ok = _run_async(client, urls, concurrency)
    wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    figures = {"ok": ok, "wall_s": wall, "cpu_s": cpu, "peak_rss_mb": peak_mb, "errors": errors}
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
