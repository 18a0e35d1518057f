"""The identity of one crawl job, shared by every component that names it."""

from __future__ import annotations

import re
import secrets
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from crawler.errors import ConfigError

if TYPE_CHECKING:
    from scrapy.crawler import Crawler


_SAFE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}\Z")
# Hugging Face `load_dataset(folder)` takes a file whose name holds one of
# these words, set apart by `-._ ` or a digit, as a split of its own, and
# silently drops every other file from that split (datasets' data_files.py).
_SPLIT_WORD = re.compile(
    r"(?:^|[-._ 0-9])(train|training|validation|valid|dev|val|test|testing|eval|evaluation)(?=[-._ 0-9]|$)", re.I
)


def crawl_id_problem(value: str) -> str | None:
    """Why a CRAWL_ID cannot name shards, or None. Shard files are named
    `<crawl_id>-NNNNN.parquet`: the id must be safe in a file name, visible
    to readers (no leading `.` or `_`), and never read as a split name."""
    if not _SAFE_ID.match(value):
        return "use 1 to 100 letters, digits, '.', '_' or '-', starting with a letter or digit"
    split = _SPLIT_WORD.search(value)
    if split:
        return (f"'{split.group(1)}' would make Hugging Face datasets read this crawl's shards as a "
                "split of their own and drop every other crawl's rows: choose an id without it")
    return None


def crawl_id(crawler: Crawler) -> str:
    """`CRAWL_ID`, else the id a JOBDIR remembers, else one made from the
    start time; kept on the crawler (and in JOBDIR), so the spider, the
    shards, the logs and every resumption name the same crawl."""
    return remembered_id(crawler, "crawl", lambda: time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
                         + "-" + secrets.token_hex(3))


def remembered_id(crawler: Crawler, noun: str, make: Callable[[], str]) -> str:
    """The `<NOUN>_ID` setting, else the id `JOBDIR/<noun>_id` remembers,
    else `make()`; kept on the crawler (as `<noun>_id`) and in JOBDIR, so a
    crawl resumed from its JOBDIR names the same crawl or worker. A JOBDIR
    that remembers another id than the setting gives is a ConfigError."""
    attribute = f"{noun}_id"
    existing: str | None = getattr(crawler, attribute, None)
    if existing:
        return existing
    jobdir = crawler.settings.get("JOBDIR")
    remembered = Path(jobdir) / attribute if jobdir else None
    setting = attribute.upper()
    value = crawler.settings.get(setting)
    if remembered is not None and remembered.exists():
        previous = remembered.read_text().strip()
        if value and value != previous:
            raise ConfigError(
                f"JOBDIR={jobdir} holds {noun} {previous}, not {setting}={value}: "
                f"resume it without {setting}, or give a new JOBDIR"
            )
        value = previous
    if not value:
        value = make()
    if remembered is not None:
        remembered.parent.mkdir(parents=True, exist_ok=True)
        remembered.write_text(value + "\n")
    setattr(crawler, attribute, value)
    return value
