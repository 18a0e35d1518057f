"""The one place where a URL not fetched, not stored or not followed is
recorded: one INFO line per URL and reason, and a stats counter per reason."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from crawler.reasons import skip_message

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

logger = logging.getLogger("crawler.skips")


class Ledger:
    def __init__(self, crawler: Crawler) -> None:
        self.stats = crawler.stats
        self._recorded: set[int] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Ledger:
        return cls(crawler)

    def skip(self, reason: str, url: str, detail: str = "") -> None:
        """Record that `url` was skipped for `reason`; repeated calls for the
        same URL and reason are recorded once."""
        key = hash((reason, url))
        if key in self._recorded:
            return
        self._recorded.add(key)
        logger.info(skip_message(reason, url, detail))
        self.stats.inc_value(f"skipped/{reason}")


def ledger(crawler: Crawler) -> Ledger:
    """The crawl's Ledger, which settings.py enables."""
    found = crawler.get_extension(Ledger)
    if found is None:
        raise RuntimeError("crawler.extensions.ledger.Ledger is not enabled in EXTENSIONS")
    return found
