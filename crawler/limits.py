"""Crawler traps: link structures that generate URLs without end (repeated
path segments from relative-link bugs, endless calendars). Pure: a URL in,
the reason it is a trap (or None) out. Query-parameter permutations need a
count per path, kept by the spider."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from urllib.parse import unquote, urlsplit

EARLIEST_YEAR = 1970

# Calendars page through dates without end ("next month" from 9999/12 is
# 10000/01), so a date far in the past or the future marks a trap. A number
# counts as a year only where it reads as a date: after a date word in the
# path (/calendar/2999/, /archive/1850/), as the value of a date parameter
# (?year=1900, ?ym=299901, ?tribe-bar-date=3000-01), as a four-digit number
# followed by a two-digit month (/1969/12/), or as a full YYYY-MM-DD date.
# A number alone elsewhere is an identifier (/product/1850, ?page=2999,
# /p/299901, an ISBN), never a year.
_DATE_WORDS = frozenset({
    "cal", "calendar", "calendars", "archive", "archives", "date", "dates", "day", "days", "week",
    "weeks", "month", "months", "year", "years", "agenda", "diary",
})
_YEAR_WORDS = frozenset({"year", "years", "yr", "yyyy"})
_DATE_KEY_WORDS = _DATE_WORDS | _YEAR_WORDS | frozenset({
    "ym", "ymd", "yyyymm", "yyyymmdd", "yearmonth", "startdate", "enddate", "fromdate", "todate", "eventdate",
})
_DATE_KEYS = frozenset({"m"})  # WordPress month archives (?m=202405); only as the whole key
_FOUR_DIGITS = re.compile(r"[0-9]{4}")
_KEY_WORDS = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])")
_EXTENSION = re.compile(r"\.[A-Za-z]{2,5}\Z")
_YEAR_MONTH = re.compile(r"([0-9]{4,})[-_./]([0-9]{1,2})(?:[-_./]([0-9]{1,2}))?\Z")
_MONTH = re.compile(r"(?:0?[1-9]|1[0-2])\Z")
_PADDED_MONTH = re.compile(r"(?:0[1-9]|1[0-2])\Z")
_FULL_DATE = re.compile(r"(?<![0-9])([0-9]{4})([-_.])(0[1-9]|1[0-2])\2(0[1-9]|[12][0-9]|3[01])(?![0-9])")


def trap(url: str, *, max_segments: int, max_repeats: int, latest_year: int) -> str | None:
    """Why `url` looks like a trap, or None."""
    parts = urlsplit(url)
    segments = [s for s in parts.path.split("/") if s]
    if len(segments) > max_segments:
        return f"path of {len(segments)} segments (LIMITS_PATH_SEGMENTS={max_segments})"
    if segments:
        segment, count = Counter(segments).most_common(1)[0]
        if count >= max_repeats:
            return f"path segment {segment!r} repeated {count} times (LIMITS_REPEATED_SEGMENTS={max_repeats})"
    if _FOUR_DIGITS.search(url) is None:
        return None
    for year in date_years(segments, parts.query):
        if len(year) > 4 or not EARLIEST_YEAR <= int(year) <= latest_year:
            shown = year if len(year) <= 12 else f"{year[:12]}..."
            return f"calendar date in {shown}, outside {EARLIEST_YEAR}-{latest_year}"
    return None


def date_years(segments: list[str], query: str) -> Iterator[str]:
    """The years (as digits) that a URL's path segments and query name as
    dates."""
    in_dates = False  # after a date word, while the segments that follow are numbers
    for i, raw in enumerate(segments):
        segment = _EXTENSION.sub("", raw)
        following = segments[i + 1] if i + 1 < len(segments) else ""
        if segment.lower() in _DATE_WORDS:
            in_dates = True
        elif not segment[:1].isdigit():
            in_dates = False
        elif in_dates:
            year = _date_year(segment)
            if year is None and segment.isdigit() and _MONTH.match(following):
                year = segment  # /calendar/10000/01/
            if year is not None:
                yield year  # /archive/1850/, /cal/299901, /calendar/2999-01/
        elif len(segment) == 4 and segment.isdigit() and _PADDED_MONTH.match(following):
            yield segment  # /1969/12/
        yield from _full_dates(segment)
    for pair in query.split("&") if query else ():
        key, _, value = pair.partition("=")
        value = unquote(value)
        key = unquote(key)
        words = {w.lower() for w in _KEY_WORDS.findall(key)}
        if words & _YEAR_WORDS and value.isdigit() and len(value) >= 4:
            yield value  # ?year=1900, ?event_year=10000
        elif words & _DATE_KEY_WORDS or key in _DATE_KEYS:
            year = _date_year(value)
            if year is not None:
                yield year  # ?ym=299901, ?date=3000-01-01, ?tribe-bar-date=3000-01
        yield from _full_dates(value)


def _date_year(text: str) -> str | None:
    """The year of a date written alone: YYYY, YYYYMM, YYYYMMDD, or a year
    of four or more digits followed by a month (and a day): 10000-01."""
    if text.isdigit():
        if len(text) == 4:
            return text
        if len(text) in (6, 8) and 1 <= int(text[4:6]) <= 12 and (len(text) == 6 or 1 <= int(text[6:]) <= 31):
            return text[:4]
        return None
    match = _YEAR_MONTH.match(text)
    if match and 1 <= int(match[2]) <= 12 and (match[3] is None or 1 <= int(match[3]) <= 31):
        return match[1]
    return None


def _full_dates(text: str) -> Iterator[str]:
    """Years of full YYYY-MM-DD dates anywhere in the text."""
    if len(text) >= 10:
        for match in _FULL_DATE.finditer(text):
            yield match[1]


def query_key(url: str) -> str:
    """The path a URL's query varies: `scheme://host/path`."""
    return url.split("?", 1)[0]
