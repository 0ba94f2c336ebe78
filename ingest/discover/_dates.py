"""Dates as feeds and sitemaps write them (RFC 822 in RSS, ISO 8601 / W3C in Atom and sitemaps).

Always aware: a date without a zone is taken as UTC, the zone sitemaps and most feeds imply.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

_YEAR_MONTH = re.compile(r"(\d{4})-(\d{2})")


def parse_feed_date(text: str | None) -> datetime | None:
    """An aware datetime for an ISO 8601 or RFC 822 date, or None if it is neither."""
    if not text or not (text := text.strip()):
        return None
    parsed = _iso(text) or _rfc822(text)
    if parsed is None:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def _iso(text: str) -> datetime | None:
    if match := _YEAR_MONTH.fullmatch(text):  # W3C allows a bare year-month
        return _safe_datetime(int(match[1]), int(match[2]))
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


def _rfc822(text: str) -> datetime | None:
    try:
        return parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None


def _safe_datetime(year: int, month: int) -> datetime | None:
    try:
        return datetime(year, month, 1)
    except ValueError:
        return None
