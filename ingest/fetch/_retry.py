"""The retry policy, built on tenacity: what is retried, how long to wait, when to give up.

Timeouts, connection errors and the statuses in `RetryPolicy.statuses` are retried with
exponential backoff and jitter; `Retry-After` (seconds or an HTTP date) lengthens the wait, capped.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Protocol, TypeVar

from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_result,
    stop_after_attempt,
    stop_before_delay,
    wait_exponential_jitter,
)

from ingest.fetch._limits import RetryPolicy


class Retryable(Protocol):
    """What the policy needs to know about one attempt's result."""

    @property
    def retryable(self) -> bool: ...

    @property
    def retry_after_s(self) -> float | None: ...


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After value (delta-seconds or HTTP date); None if unusable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


_T = TypeVar("_T", bound=Retryable)


class _Wait:
    """Backoff with jitter, lengthened to a capped Retry-After when the server sent one."""

    def __init__(self, policy: RetryPolicy) -> None:
        self._cap = policy.retry_after_cap_s
        self._backoff = wait_exponential_jitter(
            multiplier=policy.backoff_initial_s,
            max=policy.backoff_max_s,
            jitter=policy.backoff_jitter_s,
        )

    def __call__(self, state: RetryCallState) -> float:
        wait = self._backoff(state)
        outcome = state.outcome
        if outcome is not None and not outcome.failed:
            after = outcome.result().retry_after_s
            if after is not None:
                wait = max(wait, min(after, self._cap))
        return wait


def retrying(policy: RetryPolicy) -> AsyncRetrying:
    """A fresh tenacity controller for one URL; it returns the last result when it gives up."""
    return AsyncRetrying(
        stop=stop_after_attempt(policy.max_attempts) | stop_before_delay(policy.max_total_s),
        wait=_Wait(policy),
        retry=retry_if_result(lambda result: result.retryable),
        retry_error_callback=lambda state: state.outcome.result() if state.outcome else None,
        sleep=asyncio.sleep,
    )


async def with_retries(policy: RetryPolicy, attempt: Callable[[], Awaitable[_T]]) -> _T:
    """Run `attempt` until its result is not retryable or the policy gives up."""
    return await retrying(policy)(attempt)
