"""The fetch stage: concurrent, polite, retrying and bounded HTTP fetching over httpx.

Build a `FetchSettings`, open a `Fetcher`, and read one `FetchResult` per URL; see docs/fetching.md.
"""

from ingest.fetch._client import Fetcher
from ingest.fetch._decode import decode_html
from ingest.fetch._guard import AddressPolicy, is_public_address, refusal_reason
from ingest.fetch._limits import (
    DEFAULT_USER_AGENT,
    FetchSettings,
    Kind,
    Politeness,
    RetryPolicy,
    Timeouts,
)
from ingest.fetch._models import FetchRequest, FetchResult, Outcome
from ingest.fetch._retry import parse_retry_after
from ingest.fetch.errors import BlockedAddress, BodyTooLarge, FetchError, InvalidURL

__all__ = [
    "DEFAULT_USER_AGENT",
    "AddressPolicy",
    "BlockedAddress",
    "BodyTooLarge",
    "FetchError",
    "FetchRequest",
    "FetchResult",
    "FetchSettings",
    "Fetcher",
    "InvalidURL",
    "Kind",
    "Outcome",
    "Politeness",
    "RetryPolicy",
    "Timeouts",
    "decode_html",
    "is_public_address",
    "parse_retry_after",
    "refusal_reason",
]
