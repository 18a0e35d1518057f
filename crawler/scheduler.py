"""The frontier: one FIFO queue per host, and a request leaves a host's queue
only when the host may take it.

A host takes a request when it has fewer in flight than it allows (one by
default), its robots.txt is known and allows crawling, and it is not held
(paused after a wall, or its robots.txt unreachable and waiting for a
retry). Pages of a host that is not ready wait here, costing nothing
downstream, while every other host proceeds; the download slot then spaces
requests by the host's gap.

Queues and the set of URLs seen live in SQLite (`crawler.frontier`): in
JOBDIR when one is given, so a crawl killed at any moment resumes with
nothing lost and nothing stored twice, else in a temporary file, so memory
stays flat however long the crawl.
"""

from __future__ import annotations

import heapq
import logging
import pickle
import shutil
import tempfile
from collections import deque
from pathlib import Path
from time import monotonic
from typing import TYPE_CHECKING, Any

from scrapy import Request
from scrapy.core.scheduler import BaseScheduler

from crawler.denylist import DenyList, crawl_denylist
from crawler.extensions.audit import Audit, audit
from crawler.extensions.politeness import politeness
from crawler.frontier import Frontier
from crawler.hooks import page_settled, robots_resolved, shard_published, shard_publishing
from crawler.job import crawl_id
from crawler.middlewares.netguard import NetguardMiddleware
from crawler.middlewares.robots import Readiness, RobotsMiddleware, request_origin
from crawler.shards import published_columns
from crawler.urls import Refused, request_url, url_fingerprint

if TYPE_CHECKING:
    from scrapy import Spider
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

_TRANSIENT_META = ("download_slot", "download_latency", "response_began")
COMMIT_SECONDS = 2.0


def pack_request(request: Request) -> bytes:
    """A request as a frontier row. The spider's requests are plain GETs
    whose callbacks are spider methods, with simple meta and headers: a
    tuple of those pickles in a fraction of the time `Request.to_dict` takes."""
    if request.method != "GET" or request.body or request.cb_kwargs:
        raise ValueError(f"the frontier stores plain GET requests only, not {request!r}")
    meta = {k: v for k, v in request.meta.items() if k not in _TRANSIENT_META}
    return pickle.dumps(
        (request.url, _name(request.callback), _name(request.errback), meta,
         dict(request.headers), request.dont_filter, request.priority),
        protocol=pickle.HIGHEST_PROTOCOL,
    )


def unpack_request(blob: bytes, spider: Spider) -> Request:
    """The request a frontier row holds, its callbacks bound to `spider`."""
    url, callback, errback, meta, headers, dont_filter, priority = pickle.loads(blob)  # noqa: S301 - our rows
    return Request(
        url, callback=getattr(spider, callback) if callback else None,
        errback=getattr(spider, errback) if errback else None,
        meta=meta, headers=headers, dont_filter=dont_filter, priority=priority,
    )


def packed_url(blob: bytes) -> str:
    """The URL of a frontier row, without building its request."""
    url: str = pickle.loads(blob)[0]  # noqa: S301 - our rows
    return url


def _name(callback: Any) -> str | None:
    return callback.__name__ if callback is not None else None


def _brought_by(request: Request) -> str:
    """What led to a redirected request, for a skip line: ` (302 from URL)`,
    ` (meta refresh from URL)`; empty for any other request."""
    redirects = request.meta.get("redirect_urls")
    if not redirects:
        return ""
    how = request.meta.get("redirect_reasons", ["redirect"])[-1]
    return f" ({how} from {redirects[-1]})"


def admitted(request: Request, max_url_length: int, denylist: DenyList, netguard: NetguardMiddleware,
             audit: Audit) -> Request | None:
    """The request as a frontier may queue it, under its canonical URL, or
    None once why not is recorded. Every request passes here, whatever brought
    it (a seed, a link, a sitemap, a redirect, a meta refresh, a retry) and
    whichever frontier queues it (this one, or the workers' shared one): a URL
    that may not be requested, an erased URL (and the robots.txt of a host
    erased whole), or one the network guard refuses, is never requested."""
    checked = request_url(request.url, max_url_length)
    if isinstance(checked, Refused):
        audit.skip(checked.reason, checked.url, checked.detail + _brought_by(request))
        return None
    if checked != request.url:
        request = request.replace(url=checked)
    forgotten = denylist.forbids(request.url) if denylist else None
    if forgotten is not None:
        audit.skip("forgotten", request.url, forgotten)
        return None
    refusal = netguard.refusal(request)
    if refusal is not None:
        audit.skip("private-address", request.url, f"{refusal}: never connected to{_brought_by(request)}")
        return None
    return request


class PoliteScheduler(BaseScheduler):
    def __init__(self, crawler: Crawler) -> None:
        settings = crawler.settings
        self.crawler = crawler
        self.stats = crawler.stats
        self.max_pages = settings.getint("CRAWL_MAX_PAGES")
        self.max_per_host = settings.getint("LIMITS_PAGES_PER_HOST")
        self.max_url_length = settings.getint("URLLENGTH_LIMIT")
        self.jobdir = settings.get("JOBDIR")
        self.documents_dir = Path(settings.get("PARQUET_DIR"))
        self.queued: dict[str, int] = {}  # host -> queued requests
        self.heads: dict[str, tuple[int, Request]] = {}  # host -> its oldest queued request
        self.in_flight: dict[str, set[Request]] = {}
        self.ready: deque[str] = deque()
        self._in_ready: set[str] = set()
        self.held: list[tuple[float, str]] = []
        self._held: set[str] = set()
        self.waiting: dict[str, set[str]] = {}
        self.per_host: dict[str, int] = {}
        self.pages = 0
        self.pending = 0
        self._committed = monotonic()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> BaseScheduler:
        """This scheduler, or with FRONTIER_REDIS_URL the same decisions over
        the frontier the crawl's workers share (`crawler.sharedscheduler`)."""
        if crawler.settings.get("FRONTIER_REDIS_URL"):
            from crawler.sharedscheduler import SharedScheduler  # redis-py only where it is used

            return SharedScheduler(crawler)
        return cls(crawler)

    def open(self, spider: Spider) -> None:
        robots = self.crawler.get_downloader_middleware(RobotsMiddleware)
        netguard = self.crawler.get_downloader_middleware(NetguardMiddleware)
        if robots is None or netguard is None:
            raise RuntimeError("PoliteScheduler needs RobotsMiddleware and NetguardMiddleware")
        self.spider = spider
        self.robots, self.netguard = robots, netguard
        self.politeness = politeness(self.crawler)
        self.audit = audit(self.crawler)
        self.denylist = crawl_denylist(self.crawler)
        self.downloader = self.crawler.engine.downloader
        self._open_frontier()
        signals = self.crawler.signals
        signals.connect(self._robots_resolved, robots_resolved)
        signals.connect(self._settled, page_settled)
        signals.connect(self._publishing, shard_publishing)
        signals.connect(self._published, shard_published)

    def _open_frontier(self) -> None:
        if self.jobdir:
            path = Path(self.jobdir) / "frontier.sqlite"
            path.parent.mkdir(parents=True, exist_ok=True)
            resuming = path.exists()
            self._tempdir = None
        else:
            self._tempdir = tempfile.mkdtemp(prefix="frontier-")
            path, resuming = Path(self._tempdir) / "frontier.sqlite", False
        self.frontier = Frontier(path, durable=bool(self.jobdir))
        if resuming:
            rows = published_columns(self.documents_dir, crawl_id(self.crawler), ["url", "requested_url"])
            published = {url_fingerprint(r[c]) for r in rows for c in ("url", "requested_url")}
            again = self.frontier.recover(published)
            forgotten = self._drop_forgotten()
            self.frontier.commit()
            logger.info(
                "Resuming crawl %s from JOBDIR=%s: %d documents already published, %d requests to send again, "
                "%d dropped as forgotten", crawl_id(self.crawler), self.jobdir, len(rows), again, forgotten,
            )
        self.queued = self.frontier.queued_hosts()
        self.per_host = self.frontier.pages()
        self.pages = sum(self.per_host.values())
        self.pending = sum(self.queued.values())
        for host in self.queued:
            self._offer(host)

    def _drop_forgotten(self) -> int:
        """Skip every queued request the deny list selects: erased since the
        crawl stopped, they are never requested."""
        if not self.denylist:
            return 0
        dropped = []
        for fp, blob in self.frontier.all_queued():
            url = packed_url(blob)
            detail = self.denylist.forbids(url)
            if detail is not None:
                self.audit.skip("forgotten", url, detail)
                dropped.append(fp)
        self.frontier.done(dropped)
        return len(dropped)

    def close(self, reason: str) -> None:
        if self.pending:
            logger.info("Frontier closed (%s) with %d requests not sent", reason, self.pending)
        self.frontier.close()
        if self._tempdir is not None:
            shutil.rmtree(self._tempdir, ignore_errors=True)

    def has_pending_requests(self) -> bool:
        return self.pending > 0

    def __len__(self) -> int:
        return self.pending

    def enqueue_request(self, request: Request) -> bool:
        """Queue a request that `admitted` lets in, under its canonical URL,
        unless it was seen before or is over a cap."""
        checked = admitted(request, self.max_url_length, self.denylist, self.netguard, self.audit)
        if checked is None:
            return self._not_followed(request)
        request = checked
        host = self.downloader.get_slot_key(request)
        fp = url_fingerprint(request.url)
        if request.dont_filter:
            self.frontier.requeue(fp, host, pack_request(request))
            self._queued(host)
            return True
        if self.frontier.seen(fp):
            return self._not_followed(request)
        page = "redirect_urls" not in request.meta and "sitemap_depth" not in request.meta
        if page and self.max_pages and self.pages >= self.max_pages:
            self.audit.skip("cap", request.url, f"CRAWL_MAX_PAGES={self.max_pages} reached")
            return False
        if page and self.max_per_host and self.per_host.get(host, 0) >= self.max_per_host:
            self.audit.skip("cap", request.url, f"LIMITS_PAGES_PER_HOST={self.max_per_host} reached for {host}")
            return False
        if not self.frontier.add(fp, host, pack_request(request), page):
            return False
        if "redirect_urls" in request.meta:
            self.frontier.done(url_fingerprint(url) for url in request.meta["redirect_urls"])
        self.pages += page
        self.per_host[host] = self.per_host.get(host, 0) + page
        self._queued(host)
        return True

    def _not_followed(self, request: Request) -> bool:
        """A request not queued: the URLs that redirected to it need nothing more."""
        if "redirect_urls" in request.meta:
            self.frontier.done(url_fingerprint(url) for url in request.meta["redirect_urls"])
        return False

    def _queued(self, host: str) -> None:
        self.queued[host] = self.queued.get(host, 0) + 1
        self.pending += 1
        self.stats.inc_value("scheduler/enqueued")
        self._offer(host)

    def next_request(self) -> Request | None:
        now = monotonic()
        if now - self._committed >= COMMIT_SECONDS:
            self._commit()
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
        if self.queued.get(host) and host not in self._in_ready and host not in self._held:
            self.ready.append(host)
            self._in_ready.add(host)

    def _hold(self, host: str, until: float) -> None:
        heapq.heappush(self.held, (until, host))
        self._held.add(host)

    def _head(self, host: str) -> tuple[int, Request] | None:
        head = self.heads.get(host)
        if head is None:
            found = self.frontier.head(host)
            if found is None:
                return None
            head = self.heads[host] = (found[0], unpack_request(found[1], self.spider))
        return head

    def _take(self, host: str) -> Request | None:
        if not self.queued.get(host):
            return None
        until = self.politeness.hold(host)
        if until is not None:
            kind = self.politeness.gave_up(host)
            if kind is not None:
                self._drop(host, None, lambda url: self.audit.skip(
                    kind, url, f"host {host} was given up after repeated challenges or blocks"))
            else:
                self._hold(host, until)
            return None
        while self.queued.get(host):
            flying = self.in_flight.get(host, set())
            if len(flying) >= self.politeness.host_concurrency(host):
                return None  # offered again when one of them finishes
            head = self._head(host)
            if head is None:
                self.pending -= self.queued.pop(host)
                return None
            fp, request = head
            origin = request_origin(request.url)
            kind, info = self.robots.readiness(origin)
            if kind is Readiness.READY:
                del self.heads[host]
                self.frontier.flying(fp)
                self.queued[host] -= 1
                self.pending -= 1
                flying.add(request)
                self.in_flight[host] = flying
                if self.queued[host] and len(flying) < self.politeness.host_concurrency(host):
                    self._offer(host)
                return request
            if kind is Readiness.FETCHING:
                self.waiting.setdefault(origin, set()).add(host)
                return None
            if kind is Readiness.WAITING:
                self._hold(host, info)
                return None
            self._drop(host, origin, lambda url, k=kind, i=info, o=origin: self.robots.skip(url, o, k, i))
        return None

    def _drop(self, host: str, origin: str | None, record: Any) -> None:
        """Skip every queued request of a host (of one origin only, if given)."""
        dropped = []
        for fp, blob in self.frontier.queued(host):
            url = unpack_request(blob, self.spider).url
            if origin is None or request_origin(url) == origin:
                record(url)
                dropped.append(fp)
        self.frontier.done(dropped)
        self.heads.pop(host, None)
        self.queued[host] -= len(dropped)
        self.pending -= len(dropped)

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

    def _settled(self, request: Request, **kwargs: Any) -> None:
        self.frontier.done([url_fingerprint(request.url)])

    def _commit(self) -> None:
        self.frontier.commit()
        self._committed = monotonic()

    def _publishing(self, **kwargs: Any) -> None:
        self._commit()  # the links a document led to are durable before it is

    def _published(self, fingerprints: list[int], **kwargs: Any) -> None:
        self.frontier.done(fingerprints)
        self._commit()
