"""The SSRF guard: pure decisions on addresses, and end to end against the local server."""

from __future__ import annotations

import ipaddress

import pytest

from ingest.fetch import AddressPolicy, Fetcher, FetchSettings, Outcome, refusal_reason
from ingest.fetch._guard import LiteralGuard, check_resolved
from ingest.fetch.errors import BlockedAddress
from ingest.testing import LocalServer

DEFAULT = AddressPolicy()


@pytest.mark.parametrize(
    "address",
    [
        "10.0.0.1",
        "10.255.1.2",
        "172.16.5.4",
        "192.168.1.10",
        "127.0.0.1",
        "127.8.9.10",
        "169.254.169.254",
        "0.0.0.0",
        "224.0.0.251",
        "240.0.0.1",
        "255.255.255.255",
        "100.64.0.1",
        "::1",
        "::",
        "fc00::1",
        "fd12:3456::1",
        "fe80::1",
        "ff02::1",
        "::ffff:10.0.0.1",
        "::ffff:127.0.0.1",
        "2001:db8::1",
    ],
)
def test_non_public_addresses_are_refused_by_default(address: str) -> None:
    reason = refusal_reason(ipaddress.ip_address(address), DEFAULT)
    assert reason is not None and "not a public address" in reason


@pytest.mark.parametrize("address", ["8.8.8.8", "1.1.1.1", "2606:4700:4700::1111"])
def test_public_addresses_pass(address: str) -> None:
    assert refusal_reason(ipaddress.ip_address(address), DEFAULT) is None


def test_allow_private_lets_private_addresses_pass_but_not_forbidden_networks() -> None:
    policy = AddressPolicy(allow_private=True, forbidden=(ipaddress.ip_network("192.168.0.0/16"),))
    assert refusal_reason(ipaddress.ip_address("10.1.2.3"), policy) is None
    assert "forbidden network" in str(refusal_reason(ipaddress.ip_address("192.168.4.4"), policy))
    mapped = ipaddress.ip_address("::ffff:192.168.4.4")
    assert "forbidden network" in str(refusal_reason(mapped, policy))


def test_literal_and_resolved_checks_raise_with_the_host_named() -> None:
    with pytest.raises(BlockedAddress, match=r"host \[::1\]"):
        LiteralGuard(DEFAULT).check("[::1]")
    LiteralGuard(DEFAULT).check("example.org")  # a name is checked when it resolves
    with pytest.raises(BlockedAddress, match="intranet.example resolves to"):
        check_resolved("intranet.example", ["93.184.215.14", "10.0.0.7"], DEFAULT)
    check_resolved(
        "example.org", ["93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c"], DEFAULT
    )


async def test_loopback_url_is_blocked_before_any_request(local_server: LocalServer) -> None:
    local_server.add("/page", "<p>hi</p>")
    async with Fetcher(FetchSettings()) as fetcher:  # defaults: private addresses refused
        by_ip = await fetcher.fetch(local_server.url("/page"))
        by_name = await fetcher.fetch(local_server.url("/page", host="localhost"))
    assert by_ip.outcome is Outcome.BLOCKED_ADDRESS and by_ip.attempts == 1
    assert by_name.outcome is Outcome.BLOCKED_ADDRESS, by_name.error
    assert "localhost" in str(by_name.error) and "127.0.0.1" in str(by_name.error)
    assert local_server.requests == []


async def test_redirect_to_forbidden_alias_is_refused_without_reaching_it(
    aliased_server: LocalServer, make_settings
) -> None:
    aliased_server.add("/secret", "<p>internal</p>")
    hop = aliased_server.url("/secret", host="127.0.0.2")
    async with Fetcher(make_settings()) as fetcher:
        direct = await fetcher.fetch(hop)
        result = await fetcher.fetch(aliased_server.url(f"/_fault/redirect-to?url={hop}"))
    assert direct.outcome is Outcome.BLOCKED_ADDRESS
    assert result.outcome is Outcome.BLOCKED_ADDRESS
    assert result.redirects == (hop,) and result.final_url == hop
    assert hop in str(result.error)
    assert [r.local_host for r in aliased_server.requests] == ["127.0.0.1"]
    # The alias does answer when nobody forbids it, so the refusal above is the guard's doing.
    async with Fetcher(make_settings(forbid=())) as fetcher:
        assert (await fetcher.fetch(hop)).outcome is Outcome.OK


async def test_redirect_to_literal_private_address_is_refused(
    local_server: LocalServer, make_settings
) -> None:
    # The guard refuses 10.0.0.1 by its literal, before any connection; and loopback_settings
    # forbid everything outside 127.0.0.0/8 anyway, so nothing leaves the machine.
    async with Fetcher(make_settings()) as fetcher:
        result = await fetcher.fetch(
            local_server.url("/_fault/redirect-to?url=http://10.0.0.1/admin")
        )
    assert result.outcome is Outcome.BLOCKED_ADDRESS
    assert result.redirects == ("http://10.0.0.1/admin",)
    assert "10.0.0.1" in str(result.error)


def test_literal_guard_keeps_refusing_a_host_it_has_decided_on() -> None:
    guard = LiteralGuard(DEFAULT)
    for _ in range(2):  # the second answer comes from the guard's memory
        with pytest.raises(BlockedAddress, match=r"host 10\.0\.0\.1: address 10\.0\.0\.1"):
            guard.check("10.0.0.1")
        guard.check("example.org")
    loopback = LiteralGuard(AddressPolicy(allow_private=True))
    loopback.check("127.0.0.1")
    loopback.check("127.0.0.1")
