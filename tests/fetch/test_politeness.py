"""Per-host limits and the adaptive delay, as pure state and against the local server."""

from __future__ import annotations

import pytest

from ingest.fetch import Fetcher, Outcome, Politeness
from ingest.fetch._politeness import HostPolicy
from ingest.testing import LocalServer

HOST = "http://news.example:80"


def test_throttle_answers_raise_the_delay_and_successes_ease_it() -> None:
    policy = HostPolicy(per_host=2, settings=Politeness(throttle_delay_s=1.0, max_delay_s=5.0))
    assert policy.delay_of(HOST) == 0.0
    policy.record(HOST, 429)
    assert policy.delay_of(HOST) == 1.0
    policy.record(HOST, 503)
    policy.record(HOST, 503)
    policy.record(HOST, 503)
    assert policy.delay_of(HOST) == 5.0  # doubled, then capped
    policy.record(HOST, 500)  # other errors leave the delay alone
    assert policy.delay_of(HOST) == 5.0
    policy.record(HOST, 200)
    assert policy.delay_of(HOST) == 4.0
    for _ in range(60):
        policy.record(HOST, 200)
    assert policy.delay_of(HOST) == 0.0


def test_crawl_delay_is_a_floor_the_delay_eases_back_to() -> None:
    policy = HostPolicy(per_host=1, settings=Politeness(crawl_delay_cap_s=3.0))
    policy.set_crawl_delay(HOST, 2.0)
    policy.record(HOST, 429)
    assert policy.delay_of(HOST) == 4.0
    for _ in range(60):
        policy.record(HOST, 200)
    assert policy.delay_of(HOST) == 2.0
    policy.set_crawl_delay("http://other.example:80", 3600)
    assert policy.delay_of("http://other.example:80") == 3.0  # capped


@pytest.mark.parametrize(("per_host", "concurrency", "peak"), [(2, 8, 2), (8, 3, 3)])
async def test_limits_bound_concurrent_requests(
    local_server: LocalServer, make_settings, per_host: int, concurrency: int, peak: int
):
    urls = [local_server.url(f"/_fault/slow-headers?delay=0.1&n={n}") for n in range(8)]
    async with Fetcher(make_settings(per_host=per_host, concurrency=concurrency)) as fetcher:
        results = [r async for r in fetcher.fetch_many(urls)]
    assert all(r.outcome is Outcome.OK for r in results)
    assert local_server.peak_concurrency == peak


async def test_throttling_answers_slow_the_host_down(local_server: LocalServer, make_settings):
    settings = make_settings(politeness=Politeness(throttle_delay_s=0.2, ease_factor=0.5))
    async with Fetcher(settings) as fetcher:
        throttled = await fetcher.fetch(local_server.url("/_fault/status/429"))
        raised = fetcher.host_delay(local_server.base_url)
        recovered = await fetcher.fetch(local_server.url("/_fault/flaky/t?fails=1&status=503"))
        eased = fetcher.host_delay(local_server.base_url)
    assert throttled.status == 429 and throttled.attempts == 3
    assert raised == 0.8  # 0.2, then doubled on each of the two retries
    assert recovered.outcome is Outcome.OK and recovered.attempts == 2
    assert eased == 0.8  # doubled by the 503 to 1.6, halved by the success
    assert recovered.wait_s > 0.5  # sleeps for the host delay, which never end early
