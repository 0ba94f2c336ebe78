"""Retries: what is retried, Retry-After in both forms and capped, attempts recorded."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

from ingest.fetch import Fetcher, Outcome, RetryPolicy, parse_retry_after
from ingest.testing import LocalServer


def test_parse_retry_after_both_forms() -> None:
    now = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
    assert parse_retry_after("120", now=now) == 120.0
    assert (
        parse_retry_after(format_datetime(now + timedelta(seconds=90), usegmt=True), now=now)
        == 90.0
    )
    assert parse_retry_after(format_datetime(now - timedelta(hours=1), usegmt=True), now=now) == 0.0
    assert parse_retry_after("soon", now=now) is None
    assert parse_retry_after(None) is None and parse_retry_after("-5") is None


async def test_flaky_503_recovers_and_counts_attempts(local_server: LocalServer, make_settings):
    async with Fetcher(make_settings()) as fetcher:
        result = await fetcher.fetch(local_server.url("/_fault/flaky/a?fails=2"))
    assert (result.outcome, result.status, result.attempts) == (Outcome.OK, 200, 3)


async def test_every_retryable_status_is_retried(local_server: LocalServer, make_settings):
    async with Fetcher(make_settings()) as fetcher:
        for status in (408, 429, 500, 502, 503, 504):
            url = local_server.url(f"/_fault/flaky/s{status}?fails=1&status={status}")
            result = await fetcher.fetch(url)
            assert (result.outcome, result.attempts) == (Outcome.OK, 2), status
        for status in (400, 401, 403, 404, 410, 501):
            result = await fetcher.fetch(local_server.url(f"/_fault/status/{status}"))
            assert (result.outcome, result.attempts) == (Outcome.HTTP_ERROR, 1), status


async def test_retry_after_seconds_is_honoured(local_server: LocalServer, make_settings):
    settings = make_settings(retries=RetryPolicy(max_attempts=2, backoff_initial_s=0.01))
    async with Fetcher(settings) as fetcher:
        result = await fetcher.fetch(local_server.url("/_fault/status/429?retry_after=1"))
    assert (result.outcome, result.status, result.attempts) == (Outcome.HTTP_ERROR, 429, 2)
    assert result.wait_s >= 1.0  # the backoff the policy asked for, not a clock reading


async def test_retry_after_date_is_capped(local_server: LocalServer, make_settings):
    policy = RetryPolicy(max_attempts=2, backoff_initial_s=0.01, retry_after_cap_s=0.2)
    async with Fetcher(make_settings(retries=policy)) as fetcher:
        result = await fetcher.fetch(local_server.url("/_fault/status/503?retry_after_date=3600"))
    assert (result.outcome, result.attempts) == (Outcome.HTTP_ERROR, 2)
    assert 0.2 <= result.wait_s < 60


async def test_total_time_stops_retrying(local_server: LocalServer, make_settings):
    policy = RetryPolicy(max_attempts=10, max_total_s=0.5, backoff_initial_s=0.01)
    async with Fetcher(make_settings(retries=policy)) as fetcher:
        result = await fetcher.fetch(local_server.url("/_fault/status/503?retry_after=2"))
    assert result.outcome is Outcome.HTTP_ERROR and result.attempts == 1
