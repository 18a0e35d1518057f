"""What the crawl is doing, for a person watching it: a progress line at
INFO every PROGRESS_INTERVAL seconds, and a per-host summary at the end."""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, Any

from scrapy import signals
from scrapy.utils.asyncio import create_looping_call

from crawler.extensions.audit import Audit, audit
from crawler.extensions.politeness import Politeness, politeness

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)


class Progress:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.interval = crawler.settings.getfloat("PROGRESS_INTERVAL")
        self.top = crawler.settings.getint("PROGRESS_HOSTS")
        self._loop: Any = None
        self._last = (time.monotonic(), 0)
        crawler.signals.connect(self._opened, signals.spider_opened)
        crawler.signals.connect(self._closed, signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Progress:
        return cls(crawler)

    def _opened(self, **kwargs: Any) -> None:
        self.audit: Audit = audit(self.crawler)
        self.politeness: Politeness = politeness(self.crawler)
        if self.interval > 0:
            self._loop = create_looping_call(self.report)
            self._loop.start(self.interval, now=False)

    def report(self) -> None:
        stats = self.crawler.stats
        now, requests = time.monotonic(), stats.get_value("audit/requests", 0)
        rate = (requests - self._last[1]) / max(now - self._last[0], 1e-9) * 60
        self._last = (now, requests)
        skips = {k.split("/", 1)[1]: v for k, v in stats.get_stats().items() if k.startswith("skipped/")}
        skipped = ", ".join(f"{reason} {n}" for reason, n in sorted(skips.items())) or "none"
        paused = len(self.politeness.paused_hosts())
        given_up = len(self.politeness.given_up_hosts())
        active = sum(1 for counts in self.audit.hosts.values() if counts["request"]) - given_up
        logger.info(
            "Progress: %d requests (%.0f/min), %d documents stored, %d bytes written; skipped: %s; "
            "hosts: %d active, %d paused, %d given up",
            requests, rate, stats.get_value("documents/stored", 0), self._bytes_written(),
            skipped, max(active - paused, 0), paused, given_up,
        )

    def _bytes_written(self) -> int:
        return self.crawler.stats.get_value("documents/bytes", 0) + self.audit.writer.bytes_published

    def _closed(self, **kwargs: Any) -> None:
        if self._loop is not None and self._loop.running:
            self._loop.stop()
        self.report()
        hosts = sorted(self.audit.hosts.items(), key=lambda item: -item[1]["request"])
        logger.info("Per-host summary (%d hosts; %d shown, most requests first):", len(hosts), min(len(hosts), self.top))
        for host, counts in hosts[: self.top]:
            logger.info(
                "Host %s: %d requests, %d stored, %d skipped, %d pauses%s",
                host, counts["request"], counts["stored"], counts["skip"], counts["pause"],
                ", given up" if host in self.politeness.given_up_hosts() else "",
            )
