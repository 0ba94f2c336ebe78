"""Test helpers that benchmarks and demos use too, so they live in the package, not in tests/.

`LocalServer` is a real loopback HTTP server; `loopback_settings` keeps a fetcher on loopback.
"""

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
