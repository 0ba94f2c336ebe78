"""Date strings as pages write them (ISO 8601, RFC 2822, "March 5, 2019", URL paths) → datetimes.

Each parse reports its precision; a zone is attached only when the string states an offset.
"""

from __future__ import annotations

import re
from datetime import datetime
from email.utils import parsedate_to_datetime

from ingest.extract.model import DatePrecision

# Years outside this window are typos or placeholders ("0001-01-01"), not publication dates.
_MIN_YEAR = 1990
_MAX_YEAR = 2100
_MAX_DATE_CHARS = 80

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_ISO_TIME = re.compile(r"[T ](\d{2}):?(\d{2})(?::?(\d{2}))?")
_TRAILING_ZONE_NAME = re.compile(r"\s*\(?[A-Z]{2,5}\)?$")
_ZULU_OR_OFFSET = re.compile(r"(?:Z|[+-]\d{2}(?::?\d{2})?)$")

# Month names of the languages most news is written in (English, German, French, Spanish,
# Portuguese, Italian, Dutch, Indonesian) and their usual abbreviations; none is ambiguous.
_MONTH_NAMES = (
    "jan january januar janvier enero ene janeiro gennaio gen januari",
    "feb february februar février fevrier febrero fevereiro fev febbraio februari",
    "mar march märz maerz mär mars marzo março marco maart maret",
    "apr april avril abril abr aprile",
    "may mai mayo maio maggio mag mei",
    "jun june juni juin junio junho giugno giu",
    "jul july juli juillet julio julho luglio lug",
    "aug august août aout agosto ago augustus agustus",
    "sep sept september septembre septiembre setembro settembre set",
    "oct october oktober octobre octubre outubro ottobre okt out ott",
    "nov november novembre noviembre novembro",
    "dec december dezember décembre decembre diciembre dezembro dicembre dez dic desember",
)
_MONTHS = {
    name: number for number, names in enumerate(_MONTH_NAMES, start=1) for name in names.split()
}
_MONTH = r"(?P<month>" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_DAY = r"(?P<day>\d{1,2})(?:st|nd|rd|th|er|º)?"
_YEAR = r"(?P<year>\d{4})"
_OF = r"(?:\s+de)?"
_CLOCK = (
    r"(?:,?\s*(?:at|um|à|às|a las|alle|om|pukul|-|/)?\s*"
    r"(?P<hour>\d{1,2})[:.h](?P<minute>\d{2})(?::(?P<second>\d{2}))?"
    r"\s*(?P<ampm>[ap]\.?m\.?)?)?"
)
_TEXT_DATES = (
    re.compile(r"\b" + _MONTH + r"\s+" + _DAY + r",?\s+" + _YEAR + _CLOCK, re.IGNORECASE),
    re.compile(
        r"\b" + _DAY + r"\.?" + _OF + r"\s*" + _MONTH + _OF + r",?\s+" + _YEAR + _CLOCK,
        re.IGNORECASE,
    ),
    # 2018-09-28 17:32, 2016年10月14日07:17, 2018년 9월 28일; never d/m/y, whose order varies.
    re.compile(
        r"\b(?P<year>(?:19|20)\d{2})(?:-|年|년\s*)(?P<nmonth>[01]?\d)(?:-|月|월\s*)"
        r"(?P<day>[0-3]?\d)(?:日|일)?" + _CLOCK
    ),
)
_UPDATE_LABEL = re.compile(
    r"updated|modified|edited|aktualisiert|geändert|mis à jour|modifié|actualizado|atualizado|"
    r"aggiornato|bijgewerkt|diperbarui",
    re.IGNORECASE,
)
_LABEL_WINDOW = 25
# 07.12.2017: day first wherever dots separate the parts.
_DOTTED_DATE = re.compile(r"\b(?P<day>[0-3]?\d)\.(?P<nmonth>[01]?\d)\.(?P<year>(?:19|20)\d{2})\b")
_URL_DATE = re.compile(
    r"/(?P<year>(?:19|20)\d{2})[/-](?P<month>[01]?\d)[/-](?P<day>[0-3]?\d)(?:[/-]|\.html?|$)"
    r"|/(?P<cyear>(?:19|20)\d{2})(?P<cmonth>[01]\d)(?P<cday>[0-3]\d)/"
)


def parse_date(text: str) -> tuple[datetime, DatePrecision] | None:
    """A machine-written date (ISO 8601, RFC 2822, or a written-out date) or None."""
    text = text.strip()
    if not text or len(text) > _MAX_DATE_CHARS:
        return None
    parsed = _parse_iso(text) or _parse_rfc2822(text) or parse_text_date(text)
    if parsed is None or not _MIN_YEAR <= parsed[0].year <= _MAX_YEAR:
        return None
    return parsed


def _parse_iso(text: str) -> tuple[datetime, DatePrecision] | None:
    match = _ISO_DATE.match(text)
    if match is None:
        return None
    rest = text[match.end() :]
    clock = _ISO_TIME.match(rest)
    if clock is None:
        return _checked(text[: match.end()], "day")
    candidate = text[: match.end()] + rest
    if candidate.endswith(("GMT", "UTC")):
        candidate = candidate[:-3].rstrip() + "+00:00"
    try:
        value = datetime.fromisoformat(candidate.replace(" ", "T", 1))
    except ValueError:
        # Some sites append a zone name ("2019-03-05 10:00:00 EST"): a name is not an offset,
        # so the value stays naive unless an offset is written as well ("+00:00 (UTC)").
        trimmed = _TRAILING_ZONE_NAME.sub("", candidate).rstrip()
        if trimmed == candidate:
            return None
        try:
            value = datetime.fromisoformat(trimmed.replace(" ", "T", 1))
        except ValueError:
            return None
        if not _ZULU_OR_OFFSET.search(trimmed):
            value = value.replace(tzinfo=None)
    return value, "second" if clock.group(3) else "minute"


def _checked(text: str, precision: DatePrecision) -> tuple[datetime, DatePrecision] | None:
    try:
        return datetime.fromisoformat(text), precision
    except ValueError:
        return None


def _parse_rfc2822(text: str) -> tuple[datetime, DatePrecision] | None:
    if "," not in text[:5] and not text[:1].isdigit():
        return None
    try:
        value = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if value is None:
        return None
    # "-0000" means "zone unknown" in RFC 2822; parsedate_to_datetime returns it naive.
    return value, "second"


def parse_text_date(text: str) -> tuple[datetime, DatePrecision] | None:
    """The first written-out date in free text that is not labelled as an update.

    "Updated March 5, 2019 · Published March 1, 2019" gives March 1; a date labelled as an
    update is used only when it is the only one.
    """
    matches = sorted(
        (match for pattern in _TEXT_DATES for match in pattern.finditer(text)),
        key=lambda match: match.start(),
    )
    parsed = [(match, value) for match in matches if (value := _from_text_match(match))]
    for match, value in parsed:
        if not _UPDATE_LABEL.search(text[max(0, match.start() - _LABEL_WINDOW) : match.start()]):
            return value
    return parsed[0][1] if parsed else None


def parse_dotted_date(text: str) -> datetime | None:
    """A day written "07.12.2017" (day first: the dotted form is never month first)."""
    match = _DOTTED_DATE.search(text)
    if match is None:
        return None
    try:
        return datetime(int(match["year"]), int(match["nmonth"]), int(match["day"]))
    except ValueError:
        return None


def _from_text_match(match: re.Match[str]) -> tuple[datetime, DatePrecision] | None:
    groups = match.groupdict()
    month = int(groups["nmonth"]) if groups.get("nmonth") else _MONTHS[match["month"].lower()]
    try:
        day = datetime(int(match["year"]), month, int(match["day"]))
    except ValueError:
        return None
    if match["hour"] is None:
        return day, "day"
    hour, minute = int(match["hour"]), int(match["minute"])
    ampm = (match["ampm"] or "").lower().replace(".", "")
    if ampm == "pm" and hour < 12:
        hour += 12
    elif ampm == "am" and hour == 12:
        hour = 0
    if hour > 23 or minute > 59:
        return day, "day"
    second = int(match["second"] or 0)
    if second > 59:
        return day, "day"
    value = day.replace(hour=hour, minute=minute, second=second)
    return value, "second" if match["second"] else "minute"


def parse_url_date(url: str) -> datetime | None:
    """A publication day written into a URL path (/2019/03/05/, /2019-03-05-, /20190305/)."""
    match = _URL_DATE.search(url)
    if match is None:
        return None
    year = match["year"] or match["cyear"]
    month = match["month"] or match["cmonth"]
    day = match["day"] or match["cday"]
    try:
        value = datetime(int(year), int(month), int(day))
    except ValueError:
        return None
    return value if _MIN_YEAR <= value.year <= _MAX_YEAR else None
