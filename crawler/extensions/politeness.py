"""Start-of-crawl checks of identity and politeness, and per-host pacing."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from scrapy import signals

from crawler.errors import ConfigError
from crawler.identity import identity_errors, identity_warnings
from crawler.politeness import politeness_warnings, slot_pacing

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)


class Politeness:
    """Stops a crawl whose identity is invalid before its first request, warns
    about less polite settings, and gives every host's download slot its
    delay, with jitter that only ever lengthens the gap."""

    def __init__(self, crawler: Crawler) -> None:
        settings = crawler.settings
        user_agent = settings.get("USER_AGENT")
        errors = identity_errors(user_agent, settings.get("ROBOTSTXT_USER_AGENT"))
        if errors:
            raise ConfigError(errors[0])
        for message in identity_warnings(user_agent) + politeness_warnings(settings):
            logger.warning("Less polite setting: %s", message)
        self.crawler = crawler
        self.base_delay = settings.getfloat("DOWNLOAD_DELAY")
        self.jitter = settings.getfloat("DOWNLOAD_DELAY_JITTER")
        self._paced: set[str] = set()
        crawler.signals.connect(self._request_reached_downloader, signals.request_reached_downloader)
        logger.info(
            "Identity: User-Agent %r, robots.txt token %r; at least %g s between requests to a host",
            user_agent, settings.get("ROBOTSTXT_USER_AGENT"), self.base_delay,
        )

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Politeness:
        return cls(crawler)

    def _request_reached_downloader(self, request: Request, **kwargs: Any) -> None:
        key = request.meta.get("download_slot")
        if key is not None and key not in self._paced:
            self._paced.add(key)
            self.pace(key)

    def pace(self, key: str) -> None:
        """Apply the host's gap to its slot, now and after Scrapy recreates it."""
        delay, jitter = slot_pacing(self.base_delay, self.jitter)
        downloader = self.crawler.engine.downloader
        downloader.per_slot_settings.setdefault(key, {}).update(delay=delay, jitter=jitter)
        slot = downloader.slots.get(key)
        if slot is not None:
            slot.delay, slot.jitter = delay, jitter
