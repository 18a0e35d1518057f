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
    about less polite settings, and gives every host's download slot its gap:
    the larger of DOWNLOAD_DELAY and what the host's robots.txt asks for,
    with jitter that only ever lengthens it."""

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
        self.concurrency = settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN")
        self._floors: dict[str, dict[str, float]] = {}
        self._paced: set[str] = set()
        crawler.signals.connect(self._request_reached_downloader, signals.request_reached_downloader)
        if settings.getbool("AUTOTHROTTLE_ENABLED"):
            # Connected after AutoThrottle's own handler, so it runs last.
            crawler.signals.connect(self._response_downloaded, signals.response_downloaded)
        logger.info(
            "Identity: User-Agent %r, robots.txt token %r; at least %g s between requests to a host",
            user_agent, settings.get("ROBOTSTXT_USER_AGENT"), self.base_delay,
        )

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Politeness:
        return cls(crawler)

    def gap(self, key: str) -> float:
        """Seconds between request starts on a slot: DOWNLOAD_DELAY or what the
        host's robots.txt files ask for, whichever is longer."""
        return max([self.base_delay, *self._floors.get(key, {}).values()])

    def host_concurrency(self, key: str) -> int:
        """Requests in flight at once on a slot: 1 for a host that asks for a
        crawl delay, else CONCURRENT_REQUESTS_PER_DOMAIN."""
        return 1 if any(self._floors.get(key, {}).values()) else self.concurrency

    def set_floor(self, key: str, origin: str, seconds: float) -> None:
        """Record the gap one origin's robots.txt asks for on a host's slot."""
        self._floors.setdefault(key, {})[origin] = seconds
        self.pace(key)

    def _request_reached_downloader(self, request: Request, **kwargs: Any) -> None:
        key = request.meta.get("download_slot")
        if key is not None and key not in self._paced:
            self._paced.add(key)
            self.pace(key)

    def _response_downloaded(self, request: Request, **kwargs: Any) -> None:
        key = request.meta.get("download_slot")
        slot = self.crawler.engine.downloader.slots.get(key) if key is not None else None
        if slot is not None:
            slot.delay = max(slot.delay, slot_pacing(self.gap(key), self.jitter)[0])

    def pace(self, key: str) -> None:
        """Apply the slot's gap, now and after Scrapy recreates the slot."""
        delay, jitter = slot_pacing(self.gap(key), self.jitter)
        concurrency = self.host_concurrency(key)
        downloader = self.crawler.engine.downloader
        downloader.per_slot_settings.setdefault(key, {}).update(
            delay=delay, jitter=jitter, concurrency=concurrency
        )
        slot = downloader.slots.get(key)
        if slot is not None:
            slot.delay, slot.jitter, slot.concurrency = delay, jitter, concurrency


def politeness(crawler: Crawler) -> Politeness:
    """The crawl's Politeness extension, which settings.py enables."""
    found = crawler.get_extension(Politeness)
    if found is None:
        raise RuntimeError("crawler.extensions.politeness.Politeness is not enabled in EXTENSIONS")
    return found
