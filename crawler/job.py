"""The identity of one crawl job, shared by every component that names it."""

from __future__ import annotations

import secrets
import time
from pathlib import Path
from typing import TYPE_CHECKING

from crawler.errors import ConfigError

if TYPE_CHECKING:
    from scrapy.crawler import Crawler


def crawl_id(crawler: Crawler) -> str:
    """`CRAWL_ID`, else the id a JOBDIR remembers, else one made from the
    start time; kept on the crawler (and in JOBDIR), so the spider, the
    shards, the logs and every resumption name the same crawl."""
    existing: str | None = getattr(crawler, "crawl_id", None)
    if existing:
        return existing
    jobdir = crawler.settings.get("JOBDIR")
    remembered = Path(jobdir) / "crawl_id" if jobdir else None
    value = crawler.settings.get("CRAWL_ID")
    if remembered is not None and remembered.exists():
        previous = remembered.read_text().strip()
        if value and value != previous:
            raise ConfigError(
                f"JOBDIR={jobdir} holds crawl {previous}, not CRAWL_ID={value}: "
                "resume it without CRAWL_ID, or give a new JOBDIR"
            )
        value = previous
    if not value:
        value = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime()) + "-" + secrets.token_hex(3)
    if remembered is not None:
        remembered.parent.mkdir(parents=True, exist_ok=True)
        remembered.write_text(value + "\n")
    crawler.crawl_id = value  # type: ignore[attr-defined]
    return value
