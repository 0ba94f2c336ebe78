"""Test helpers that benchmarks and demos use too, so they live in the package, not in tests/.

`LocalServer` is a real loopback HTTP server; `loopback_settings` keeps a fetcher on loopback.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ingest.testing.safety import loopback_only, loopback_settings
    from ingest.testing.server import HTML, PAGE, LocalServer, LoggedRequest, Route

__all__ = [
    "HTML",
    "PAGE",
    "LocalServer",
    "LoggedRequest",
    "Route",
    "loopback_only",
    "loopback_settings",
]

_HOMES = {"loopback_only": "safety", "loopback_settings": "safety"}


def __getattr__(name: str) -> Any:
    # Lazy, so `python -m ingest.testing.server` does not import the module twice.
    if name not in __all__:
        raise AttributeError(f"module 'ingest.testing' has no attribute {name!r}")
    return getattr(importlib.import_module(f"ingest.testing.{_HOMES.get(name, 'server')}"), name)
