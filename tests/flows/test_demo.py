"""The demo's site server: its fixed port keeps article ids stable, a taken port is survivable."""

from __future__ import annotations

import urllib.request

import pytest
from rich.console import Console

from flows.demo import PORT_VAR, demo_site
from ingest.testing import LocalServer


def test_a_taken_port_falls_back_to_a_free_one_with_a_warning(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    console = Console(record=True, width=200)
    with LocalServer() as taken:
        monkeypatch.setenv(PORT_VAR, str(taken.port))
        with demo_site(console) as site:
            assert site.base_url.startswith("http://127.0.0.1:")
            assert not site.base_url.endswith(f":{taken.port}")
            direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # no proxy
            with direct.open(site.robots_url, timeout=10) as answer:
                assert b"Sitemap:" in answer.read()
    assert f"port {taken.port} is taken" in console.export_text()
