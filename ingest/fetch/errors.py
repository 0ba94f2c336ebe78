"""Exceptions of the fetch stage, raised inside it and turned into outcomes at its boundary.

Callers of `Fetcher.fetch` never see them: every per-URL failure becomes a `FetchResult` whose
`outcome` names the class and whose `error` names the URL and the reason. The tree::

    FetchError
    ├── InvalidURL              the URL cannot be fetched (syntax, scheme, missing host)
    ├── BlockedAddress          the host is or resolves to a forbidden address (SSRF guard)
    └── BodyTooLarge            the body, or its decompressed form, passed a configured bound
"""

from __future__ import annotations


class FetchError(Exception):
    """Base of every error the fetch stage raises on purpose."""


class InvalidURL(FetchError):
    """The URL is not an absolute http(s) URL with a host."""


class BlockedAddress(FetchError, OSError):
    """The host is, or resolves to, an address the guard refuses.

    It is an `OSError` too so that a resolver inside the HTTP transport may raise it and the
    transport's own error wrapping keeps it as the cause.
    """


class BodyTooLarge(FetchError):
    """The body passed `max_body_bytes`, `max_decompressed_bytes` or the compression ratio."""
