"""Per-host politeness: a concurrency slot per host and an adaptive delay between request starts.

The delay has a floor (settings, raised by robots.txt Crawl-delay), jumps up on 429/503 answers
and eases back toward the floor after successes, like Scrapy's AutoThrottle.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

from ingest.fetch._limits import Politeness

_THROTTLE_STATUSES = frozenset({429, 503})


@dataclass(slots=True)
class HostState:
    """The politeness state of one host (scheme, name and port)."""

    slots: asyncio.Semaphore
    floor_s: float
    delay_s: float
    next_start: float = 0.0  # monotonic time before which no new request may start


class HostSlot:
    """`async with`: one of a host's slots, entered no earlier than the host's delay allows.

    A class, not an `asynccontextmanager`: that builds an async generator for every request.
    """

    __slots__ = ("_state",)

    def __init__(self, state: HostState) -> None:
        self._state = state

    async def __aenter__(self) -> None:
        state = self._state
        await state.slots.acquire()
        try:
            now = time.monotonic()
            start = max(now, state.next_start)
            state.next_start = start + state.delay_s
            if start > now:
                await asyncio.sleep(start - now)
        except BaseException:
            state.slots.release()
            raise

    async def __aexit__(self, *exc_info: object) -> None:
        self._state.slots.release()


class HostPolicy:
    """Hands out per-host slots and spaces request starts by each host's current delay."""

    def __init__(self, *, per_host: int, settings: Politeness) -> None:
        self._per_host = per_host
        self._settings = settings
        self._hosts: dict[str, HostState] = {}

    def state(self, host: str) -> HostState:
        found = self._hosts.get(host)
        if found is None:
            floor = self._settings.min_delay_s
            found = HostState(asyncio.Semaphore(self._per_host), floor, floor)
            self._hosts[host] = found
        return found

    def delay_of(self, host: str) -> float:
        """The current delay between request starts for `host`, in seconds."""
        return self.state(host).delay_s

    def set_crawl_delay(self, host: str, crawl_delay_s: float) -> None:
        """Raise the host's floor to its robots.txt Crawl-delay (capped by the settings)."""
        state = self.state(host)
        wanted = min(max(crawl_delay_s, 0.0), self._settings.crawl_delay_cap_s)
        state.floor_s = max(self._settings.min_delay_s, wanted)
        state.delay_s = max(state.delay_s, state.floor_s)

    def slot(self, host: str) -> HostSlot:
        """Hold one of the host's slots, starting no earlier than its delay allows."""
        return HostSlot(self.state(host))

    def record(self, host: str, status: int | None) -> None:
        """Adapt the host's delay to an answer (None: no answer at all)."""
        state = self.state(host)
        limits = self._settings
        if status in _THROTTLE_STATUSES:
            raised = max(state.delay_s * 2, limits.throttle_delay_s)
            state.delay_s = min(max(raised, state.floor_s), limits.max_delay_s)
        elif status is not None and status < 500 and state.delay_s > state.floor_s:
            eased = state.floor_s + (state.delay_s - state.floor_s) * limits.ease_factor
            state.delay_s = eased if eased - state.floor_s > 0.001 else state.floor_s
