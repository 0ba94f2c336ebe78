"""Guard settings that keep tests and benchmarks on loopback even if the code under test errs.

With them the fetcher may reach 127.0.0.0/8 and nothing else, minus any aliases marked forbidden.
"""

from __future__ import annotations

import ipaddress

from ingest.fetch import FetchSettings

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

_LOOPBACK = ipaddress.IPv4Network("127.0.0.0/8")


def loopback_only(*forbidden: str) -> tuple[IPNetwork, ...]:
    """Networks that cover every address except 127.0.0.0/8, plus the `forbidden` ones."""
    outside = tuple(ipaddress.IPv4Network("0.0.0.0/0").address_exclude(_LOOPBACK))
    marked = tuple(ipaddress.ip_network(text) for text in forbidden)
    return marked + outside + (ipaddress.IPv6Network("::/0"),)


def loopback_settings(*forbidden: str, **overrides: object) -> FetchSettings:
    """`FetchSettings` allowing loopback only; `overrides` are further settings."""
    return FetchSettings(
        allow_private_addresses=True,
        forbidden_networks=loopback_only(*forbidden),
        **overrides,  # type: ignore[arg-type]
    )
