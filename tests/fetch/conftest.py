"""Fixtures for the fetcher tests: loopback-only settings with short timeouts and backoff."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from ingest.fetch import FetchSettings, Politeness, RetryPolicy, Timeouts
from ingest.testing import loopback_settings

FAST_RETRIES = RetryPolicy(
    max_attempts=3, backoff_initial_s=0.01, backoff_max_s=0.05, backoff_jitter_s=0.01
)
FAST_TIMEOUTS = Timeouts(connect_s=1.0, read_s=0.3, request_s=2.0)
QUICK_POLITENESS = Politeness(throttle_delay_s=0.01, max_delay_s=0.1)

SettingsFactory = Callable[..., FetchSettings]


@pytest.fixture
def make_settings() -> SettingsFactory:
    """Build loopback-only settings (`forbid`: 127.0.0.2) with fast retries and timeouts."""

    def build(*, forbid: tuple[str, ...] = ("127.0.0.2",), **overrides: object) -> FetchSettings:
        defaults: dict[str, object] = {
            "retries": FAST_RETRIES,
            "timeouts": FAST_TIMEOUTS,
            "politeness": QUICK_POLITENESS,
            "respect_robots": False,
        }
        return loopback_settings(*forbid, **{**defaults, **overrides})

    return build
