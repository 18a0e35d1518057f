"""The identity of one crawl job, shared by every component that names it."""

from __future__ import annotations

import secrets
import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from scrapy.crawler import Crawler


def crawl_id(crawler: Crawler) -> str:
    """`CRAWL_ID`, else an id made from the start time and kept on the
    crawler, so the spider, the shards and the logs name the same crawl."""
    existing: str | None = getattr(crawler, "crawl_id", None)
    if existing:
        return existing
    value = crawler.settings.get("CRAWL_ID") or (
        time.strftime("%Y%m%dT%H%M%SZ", time.gmtime()) + "-" + secrets.token_hex(3)
    )
    crawler.crawl_id = value  # type: ignore[attr-defined]
    return value
