"""Feed and sitemap dates: the formats feeds write, always aware, None rather than a guess."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from ingest.discover._dates import parse_feed_date

EST = timezone(timedelta(hours=-5))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Tue, 05 Mar 2024 14:30:00 +0100", datetime(2024, 3, 5, 13, 30, tzinfo=UTC)),
        ("Tue, 05 Mar 2024 14:30:00 GMT", datetime(2024, 3, 5, 14, 30, tzinfo=UTC)),
        ("05 Mar 2024 14:30 EST", datetime(2024, 3, 5, 14, 30, tzinfo=EST)),
        ("2024-03-05T14:30:00Z", datetime(2024, 3, 5, 14, 30, tzinfo=UTC)),
        ("2024-03-05T14:30:00.123+05:30", datetime(2024, 3, 5, 9, 0, 0, 123000, tzinfo=UTC)),
        ("2024-03-05", datetime(2024, 3, 5, tzinfo=UTC)),
        ("2024-03", datetime(2024, 3, 1, tzinfo=UTC)),
        ("  2024-03-05T14:30:00  ", datetime(2024, 3, 5, 14, 30, tzinfo=UTC)),
    ],
)
def test_dates_feeds_write(text: str, expected: datetime) -> None:
    parsed = parse_feed_date(text)
    assert parsed == expected
    assert parsed is not None and parsed.tzinfo is not None


@pytest.mark.parametrize(
    "text", [None, "", "   ", "yesterday", "Di, 05 Mär 2024 14:30:00", "2024-13", "2024-02-30"]
)
def test_unreadable_dates_are_none(text: str | None) -> None:
    assert parse_feed_date(text) is None
