"""Name resolution for the transport, with the SSRF guard applied to every answer.

Resolution runs off the event loop (the loop's getaddrinfo uses a thread); answers are kept for a
minute, as aiohttp's connector does. Every address a host resolves to is checked, so one refused
address in the answer refuses the host: a DNS answer cannot smuggle an internal address past us.
"""

from __future__ import annotations

import asyncio
import socket

import httpx

from ingest.fetch._guard import AddressPolicy, check_resolved, literal_address

_TTL_S = 60.0
_MAX_CACHED = 4096

Address = tuple[int, str]  # (address family, IP address text)


class GuardedResolver:
    """Resolves host names to the addresses a policy allows, or raises `BlockedAddress`."""

    def __init__(self, policy: AddressPolicy) -> None:
        self._policy = policy
        self._cache: dict[tuple[str, int], tuple[float, list[Address]]] = {}

    async def resolve(self, host: str, port: int) -> list[Address]:
        """The addresses to try, in order; raises `BlockedAddress` or `httpx.ConnectError`."""
        literal = literal_address(host)
        if literal is not None:
            check_resolved(host, [str(literal)], self._policy)
            family = socket.AF_INET6 if literal.version == 6 else socket.AF_INET
            return [(family, str(literal))]
        loop = asyncio.get_running_loop()
        key = (host, port)
        cached = self._cache.get(key)
        if cached is not None and cached[0] > loop.time():
            return cached[1]
        try:
            infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except OSError as exc:
            raise httpx.ConnectError(f"name resolution of {host} failed: {exc}") from exc
        addresses = list(dict.fromkeys((info[0], str(info[4][0])) for info in infos))
        if not addresses:
            raise httpx.ConnectError(f"name resolution of {host} gave no address")
        check_resolved(host, [text for _, text in addresses], self._policy)
        if len(self._cache) >= _MAX_CACHED:
            self._cache.clear()
        self._cache[key] = (loop.time() + _TTL_S, addresses)
        return addresses
