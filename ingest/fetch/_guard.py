"""The SSRF guard: which IP addresses the fetcher may connect to.

Pure decision functions; the transport's resolver (`_resolve.py`) applies them to every address a
host name resolves to, at connect time, so a redirect or a DNS answer cannot smuggle in an
internal address.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass

from ingest.fetch._limits import IPNetwork
from ingest.fetch.errors import BlockedAddress

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


@dataclass(frozen=True, kw_only=True, slots=True)
class AddressPolicy:
    """Which addresses are refused: private ones unless allowed, and always `forbidden`."""

    allow_private: bool = False
    forbidden: tuple[IPNetwork, ...] = ()


def is_public_address(address: IPAddress) -> bool:
    """True when `address` is globally routable unicast (no loopback, private, link-local...)."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return is_public_address(address.ipv4_mapped)
    return address.is_global and not (
        address.is_multicast or address.is_reserved or address.is_unspecified
    )


def refusal_reason(address: IPAddress, policy: AddressPolicy) -> str | None:
    """Why `policy` refuses `address`, or None when it may be contacted."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped  # ::ffff:10.0.0.1 is 10.0.0.1 on the wire
    for network in policy.forbidden:
        if address.version == network.version and address in network:
            return f"address {address} is in the forbidden network {network}"
    if policy.allow_private or is_public_address(address):
        return None
    return f"address {address} is not a public address (private addresses are not allowed)"


def literal_address(host: str) -> IPAddress | None:
    """The IP address when `host` is an IP literal (brackets allowed), else None."""
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


def literal_refusal(host: str, policy: AddressPolicy) -> str | None:
    """Why `policy` refuses `host` if it is an IP literal; None for allowed ones and names."""
    address = literal_address(host)
    return None if address is None else refusal_reason(address, policy)


class LiteralGuard:
    """Refuses IP-literal hosts that a policy refuses, with each host's decision kept for the run.

    Parsing and classifying an address costs ~10 us; a crawl asks about the same hosts all the time.
    """

    _MAX_HOSTS = 65_536  # beyond this, start over rather than grow without bound

    def __init__(self, policy: AddressPolicy) -> None:
        self._policy = policy
        self._decided: dict[str, str | None] = {}

    def check(self, host: str) -> None:
        """Raise `BlockedAddress` when `host` is an IP literal that the policy refuses."""
        try:
            reason = self._decided[host]
        except KeyError:
            reason = literal_refusal(host, self._policy)
            if len(self._decided) >= self._MAX_HOSTS:
                self._decided.clear()
            self._decided[host] = reason
        if reason:
            raise BlockedAddress(f"host {host}: {reason}")


def check_resolved(host: str, addresses: Sequence[str], policy: AddressPolicy) -> None:
    """Raise `BlockedAddress` when any address `host` resolved to is refused."""
    for text in addresses:
        reason = refusal_reason(ipaddress.ip_address(text.split("%", 1)[0]), policy)
        if reason:
            raise BlockedAddress(f"host {host} resolves to a refused address: {reason}")
