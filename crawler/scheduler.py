"""The frontier: one FIFO queue per host, and a request leaves a host's queue
only when the host may take it.

A host takes a request when it has fewer in flight than it allows (one by
default), its robots.txt is known and allows crawling, and it is not held
(robots.txt unreachable and waiting for a retry). Pages of a host that is
not ready wait here, costing nothing downstream, while every other host
proceeds. The download slot then spaces requests by the host's gap.
"""

from __future__ import annotations

import heapq
import logging
from collections import deque
from time import monotonic
from typing import TYPE_CHECKING, Any

from scrapy.core.scheduler import BaseScheduler

from crawler.extensions.audit import audit
from crawler.extensions.politeness import politeness
from crawler.hooks import robots_resolved
from crawler.middlewares.netguard import NetguardMiddleware
from crawler.middlewares.robots import Readiness, RobotsMiddleware, request_origin
from crawler.urls import url_fingerprint

if TYPE_CHECKING:
    from scrapy import Request, Spider
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)


class PoliteScheduler(BaseScheduler):
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.stats = crawler.stats
        self.max_pages = crawler.settings.getint("CRAWL_MAX_PAGES")
        self.max_per_host = crawler.settings.getint("LIMITS_PAGES_PER_HOST")
        self.per_host: dict[str, int] = {}
        self.queues: dict[str, deque[Request]] = {}
        self.in_flight: dict[str, set[Request]] = {}
        self.ready: deque[str] = deque()
        self._in_ready: set[str] = set()
        self.held: list[tuple[float, str]] = []
        self._held: set[str] = set()
        self.waiting: dict[str, set[str]] = {}
        self.seen: set[int] = set()
        self.pages = 0
        self.pending = 0

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> PoliteScheduler:
        return cls(crawler)

    def open(self, spider: Spider) -> None:
        robots = self.crawler.get_downloader_middleware(RobotsMiddleware)
        if robots is None:
            raise RuntimeError("PoliteScheduler needs RobotsMiddleware in DOWNLOADER_MIDDLEWARES")
        self.robots = robots
        netguard = self.crawler.get_downloader_middleware(NetguardMiddleware)
        if netguard is None:
            raise RuntimeError("PoliteScheduler needs NetguardMiddleware in DOWNLOADER_MIDDLEWARES")
        self.netguard = netguard
        self.politeness = politeness(self.crawler)
        self.audit = audit(self.crawler)
        self.downloader = self.crawler.engine.downloader
        self.crawler.signals.connect(self._robots_resolved, robots_resolved)

    def close(self, reason: str) -> None:
        if self.pending:
            logger.info("Frontier closed (%s) with %d requests not sent", reason, self.pending)

    def has_pending_requests(self) -> bool:
        return self.pending > 0

    def __len__(self) -> int:
        return self.pending

    def enqueue_request(self, request: Request) -> bool:
        refusal = self.netguard.refusal(request)
        if refusal is not None:
            self.audit.skip("private-address", request.url, f"{refusal}: never connected to")
            return False
        host = self.downloader.get_slot_key(request)
        if not request.dont_filter:
            key = url_fingerprint(request.url)
            if key in self.seen:
                return False
            page = "redirect_urls" not in request.meta and "sitemap_depth" not in request.meta
            if page and self.max_pages and self.pages >= self.max_pages:
                self.audit.skip("cap", request.url, f"CRAWL_MAX_PAGES={self.max_pages} reached")
                return False
            if page and self.max_per_host and self.per_host.get(host, 0) >= self.max_per_host:
                self.audit.skip("cap", request.url, f"LIMITS_PAGES_PER_HOST={self.max_per_host} reached for {host}")
                return False
            self.pages += page
            self.per_host[host] = self.per_host.get(host, 0) + page
            self.seen.add(key)
        self.queues.setdefault(host, deque()).append(request)
        self.pending += 1
        self.stats.inc_value("scheduler/enqueued")
        self._offer(host)
        return True

    def next_request(self) -> Request | None:
        now = monotonic()
        self._reap()
        while self.held and self.held[0][0] <= now:
            _, host = heapq.heappop(self.held)
            self._held.discard(host)
            self._offer(host)
        for _ in range(len(self.ready)):
            host = self.ready.popleft()
            self._in_ready.discard(host)
            request = self._take(host)
            if request is not None:
                self.stats.inc_value("scheduler/dequeued")
                return request
        return None

    def _offer(self, host: str) -> None:
        if host in self.queues and host not in self._in_ready and host not in self._held:
            self.ready.append(host)
            self._in_ready.add(host)

    def _take(self, host: str) -> Request | None:
        queue = self.queues.get(host)
        if queue:
            until = self.politeness.hold(host)
            if until is not None:
                kind = self.politeness.gave_up(host)
                if kind is not None:
                    self._give_up(host, queue, kind)
                    return None
                heapq.heappush(self.held, (until, host))
                self._held.add(host)
                return None
        while queue:
            flying = self.in_flight.get(host, set())
            if len(flying) >= self.politeness.host_concurrency(host):
                return None  # offered again when one of them finishes
            request = queue[0]
            origin = request_origin(request.url)
            kind, info = self.robots.readiness(origin)
            if kind is Readiness.READY:
                queue.popleft()
                self.pending -= 1
                flying.add(request)
                self.in_flight[host] = flying
                if not queue:
                    del self.queues[host]
                elif len(flying) < self.politeness.host_concurrency(host):
                    self._offer(host)
                return request
            if kind is Readiness.FETCHING:
                self.waiting.setdefault(origin, set()).add(host)
                return None
            if kind is Readiness.WAITING:
                heapq.heappush(self.held, (info, host))
                self._held.add(host)
                return None
            self._drop(queue, origin, kind, info)
        self.queues.pop(host, None)
        return None

    def _drop(self, queue: deque[Request], origin: str, kind: Readiness, info: Any) -> None:
        """Skip every queued request of an origin that is given up."""
        for _ in range(len(queue)):
            request = queue.popleft()
            if request_origin(request.url) == origin:
                self.robots.skip(request.url, origin, kind, info)
                self.pending -= 1
            else:
                queue.append(request)

    def _give_up(self, host: str, queue: deque[Request], kind: str) -> None:
        """Skip every queued request of a host given up after repeated walls."""
        while queue:
            url = queue.popleft().url
            self.audit.skip(kind, url, f"host {host} was given up after repeated challenges or blocks")
            self.pending -= 1
        del self.queues[host]

    def _release(self, host: str, request: Request) -> None:
        flying = self.in_flight.get(host)
        if flying is not None and request in flying:
            flying.discard(request)
            if not flying:
                del self.in_flight[host]
            self._offer(host)

    def _reap(self) -> None:
        """Release the hosts whose requests have left the downloader: only
        then has every middleware, the wall detector included, seen the
        answer, so a host paused by it gets no further request."""
        active = self.downloader.active
        ended = [
            (host, request)
            for host, flying in self.in_flight.items()
            if not flying <= active
            for request in flying
            if request not in active
        ]
        for host, request in ended:
            self._release(host, request)

    def _robots_resolved(self, origin: str, **kwargs: Any) -> None:
        for host in self.waiting.pop(origin, ()):
            self._offer(host)
