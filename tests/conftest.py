"""Shared pytest fixtures: keep each one small and say what real resource it provides."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ingest.testing import LocalServer


@pytest.fixture
def local_server() -> Iterator[LocalServer]:
    """A fresh loopback HTTP server (127.0.0.1, random port) with the fault endpoints."""
    with LocalServer() as server:
        yield server


@pytest.fixture
def aliased_server() -> Iterator[LocalServer]:
    """The same server listening on 127.0.0.1 and on the loopback alias 127.0.0.2 (one port),
    for tests that mark 127.0.0.2 forbidden and must show that nothing reached it."""
    with LocalServer(hosts=("127.0.0.1", "127.0.0.2")) as server:
        yield server
