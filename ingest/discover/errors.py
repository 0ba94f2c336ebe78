"""Errors of the discovery stage: a feed, sitemap or URL list that cannot be read, and why.

DiscoveryError            any document discovery refuses (carries `url` and `reason`)
├── DocumentTooLarge      over the byte cap, raw or after gunzip
├── MalformedDocument     not well-formed XML, too deeply nested, or not the expected kind
└── ForbiddenXML          entity declarations or external references (never expanded)
"""

from __future__ import annotations

__all__ = ["DiscoveryError", "DocumentTooLarge", "ForbiddenXML", "MalformedDocument"]


class DiscoveryError(Exception):
    """A discovery document that was refused; the rest of the batch goes on."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"{url}: {reason}")
        self.url = url
        self.reason = reason


class DocumentTooLarge(DiscoveryError):
    """The body, or what it decompresses to, is over the configured cap."""


class MalformedDocument(DiscoveryError):
    """The body is not well-formed, is nested too deeply, or is not a feed / sitemap."""


class ForbiddenXML(DiscoveryError):
    """The body declares entities or references external resources, which are never expanded."""
