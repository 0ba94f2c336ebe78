"""One Prefect API for the whole session: the flow tests run on a real (temporary) server."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

# No telemetry from the temporary server (outside `make test` too): it only adds a
# "database is locked" traceback at start-up on a fresh SQLite file.
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")

from ingest.testing import LocalServer
from ingest.testing.newsite import DemoSite, build_site


@pytest.fixture(scope="session")
def prefect_api() -> Iterator[None]:
    # Imported here so that test runs without flow tests never pay for Prefect's server imports.
    from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=240):
        with temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}):
            yield


@pytest.fixture
def demo_site() -> Iterator[DemoSite]:
    """The demo news site (two publications) on a loopback server of its own."""
    with LocalServer(log_requests=False) as server:
        site = build_site(server.base_url, n_sites=2)
        server.add_many(site.routes)
        yield site
