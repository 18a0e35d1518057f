"""Crawler traps: link structures that generate URLs without end (repeated
path segments from relative-link bugs, endless calendars). Pure: a URL in,
the reason it is a trap (or None) out. Query-parameter permutations need a
count per path, kept by the spider."""

from __future__ import annotations

import re
from collections import Counter
from urllib.parse import urlsplit

_YEAR = re.compile(r"(?<![0-9])(1[0-9]{3}|2[0-9]{3})(?![0-9])")
_DATE_CONTEXT = re.compile(r"(?:^|[/?&=_-])(?:19|20|21|22|23|24|25|26|27|28|29)[0-9]{2}(?:[-/_.]?[01]?[0-9])")


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
    text = f"{parts.path}?{parts.query}"
    if _DATE_CONTEXT.search(text):
        for year in map(int, _YEAR.findall(text)):
            if year > latest_year or year < 1970:
                return f"calendar date in {year}, outside 1970-{latest_year}"
    return None


def query_key(url: str) -> str:
    """The path a URL's query varies: `scheme://host/path`."""
    return url.split("?", 1)[0]
