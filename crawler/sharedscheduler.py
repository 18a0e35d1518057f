"""The frontier of one worker of a crawl shared through Redis
(`crawler.sharedfrontier`), with PoliteScheduler's decisions: a request
leaves for the downloader only when its host may take it, its origin's
robots.txt is known and allows crawling, and the host is not paused or
given up. What changes is where the queues and the host gate live: a
worker leases a due host from Redis with the head of its queue, sends that
one request, and gives the lease back once the request has left the
downloader, with the host's politeness state, for any worker to take next.

A worker tells the frontier everything in one call (`SharedFrontier.sync`):
the links it found, links first so that the crawl never looks finished
while they wait here, the URLs it is through with, the leases it gives
back, and a claim of due hosts. The call goes when a claim is due, or one
period after the first thing gathered, and before a shard is published, so
that its documents' URLs are held when it is committed. The period is
CLAIM_SECONDS times the number of workers, at most POLL_SECONDS: the crawl
as a whole then calls about as often whatever the number of workers, and a
host that falls due waits a little longer for some worker's claim (with
four workers, the mean gap between two requests to a host of Crawl-delay 1
went from 1.04 to 1.10 s). Each call wakes a worker, and with several
workers on one machine every wake-up costs CPU: four workers on two cores
spent ~10 % less CPU per page than when each called every CLAIM_SECONDS
(BENCHMARKS.md, "Many workers"). A lease given back thus waits here up to
one period, well inside the gap its host is owed (DOWNLOAD_DELAY, 1 s by
default), and no other worker can take the host meanwhile. Claims are made
only while the downloader has room, and while no host is due the worker
asks again when the earliest one will be, but at most every period (a host
then waits up to that long beyond its gap, and the workers do not race each
other for every host that falls due) and at least every POLL_SECONDS (for
hosts other workers add). A heartbeat keeps the worker alive in Redis; the
same loop reaps workers whose liveness lapsed, so their leased requests
return to the frontier and are fetched by the others.
"""

from __future__ import annotations

import json
import logging
from collections import deque
from dataclasses import dataclass
from time import monotonic
from typing import TYPE_CHECKING, Any

from redis import RedisError
from scrapy import Request, signals
from scrapy.core.scheduler import BaseScheduler
from scrapy.utils.asyncio import CallLaterResult, call_later, create_looping_call

from crawler.denylist import crawl_denylist
from crawler.errors import WorkerFenced
from crawler.extensions.audit import audit
from crawler.extensions.politeness import politeness
from crawler.hooks import page_settled, page_stored, robots_resolved, shard_publishing
from crawler.middlewares.netguard import NetguardMiddleware
from crawler.middlewares.robots import Readiness, RobotsMiddleware, request_origin
from crawler.scheduler import admitted
from crawler.sharedfrontier import Claim, Release, record_fingerprint, signed
from crawler.urls import Recent, url_fingerprint
from crawler.workers import stop_worker, worker_frontier

if TYPE_CHECKING:
    from scrapy import Spider
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

_TRANSIENT_META = ("download_slot", "download_latency", "response_began")
POLL_SECONDS = 0.25
CLAIM_SECONDS = 0.05
CLAIM_BATCH = 32


def sync_period(workers: int) -> float:
    """How long what a worker gathered may wait before it is sent, and the
    shortest wait between two of its claims, with `workers` in the crawl:
    CLAIM_SECONDS each, so that the crawl as a whole calls the frontier about
    as often however many share it, at most POLL_SECONDS."""
    return min(POLL_SECONDS, CLAIM_SECONDS * max(1, workers))


def pack_record(fp: int, host: str, request: Request) -> str:
    """A request as a shared frontier record, `fp|host|json`: plain data that
    any worker turns back into the request, never a pickle."""
    if request.method != "GET" or request.body or request.cb_kwargs:
        raise ValueError(f"the frontier stores plain GET requests only, not {request!r}")
    meta = {k: v for k, v in request.meta.items() if k not in _TRANSIENT_META}
    headers = {k.decode("latin-1"): [v.decode("latin-1") for v in vs] for k, vs in request.headers.items()}
    try:
        data = json.dumps(
            [request.url, _name(request.callback), _name(request.errback), meta, headers,
             request.dont_filter, request.priority],
            separators=(",", ":"), ensure_ascii=False,
        )
    except TypeError as exc:
        raise ValueError(f"the frontier stores plain data in meta only ({exc}): {request!r}") from None
    return f"{signed(fp)}|{host}|{data}"


def unpack_record(record: str, spider: Spider) -> tuple[int, Request]:
    """The fingerprint and request a record holds, callbacks bound to `spider`."""
    url, callback, errback, meta, headers, dont_filter, priority = json.loads(record.split("|", 2)[2])
    return record_fingerprint(record), Request(
        url, callback=getattr(spider, callback) if callback else None,
        errback=getattr(spider, errback) if errback else None,
        meta=meta, headers=headers, dont_filter=dont_filter, priority=priority,
    )


def _name(callback: Any) -> str | None:
    return callback.__name__ if callback is not None else None


@dataclass
class _Claimed:
    host: str
    fp: int
    record: str
    request: Request


class SharedScheduler(BaseScheduler):
    def __init__(self, crawler: Crawler) -> None:
        settings = crawler.settings
        self.crawler = crawler
        self.stats = crawler.stats
        self.max_pages = settings.getint("CRAWL_MAX_PAGES")
        self.max_per_host = settings.getint("LIMITS_PAGES_PER_HOST")
        self.concurrency = settings.getint("CONCURRENT_REQUESTS")
        self.timeout = settings.getfloat("FRONTIER_WORKER_TIMEOUT")
        self.max_url_length = settings.getint("URLLENGTH_LIMIT")
        self.ready: deque[_Claimed] = deque()  # leased, to be handed out
        self.in_flight: dict[str, _Claimed] = {}  # host -> the request handed out under its lease
        self.waiting: dict[str, list[_Claimed]] = {}  # origin -> leased, waiting for its robots.txt
        self.parsing: dict[int, str] = {}  # fingerprint -> host, handed out and not yet parsed
        self._recent = Recent(100_000)  # fingerprints this worker offered the frontier lately
        self._adds: list[tuple[int, str, str, bool, str]] = []  # links not yet sent: fp, host, record, page, url
        self._settles: list[tuple[int, bool]] = []  # parsed URLs not yet reported: fp, document in an open shard
        self._releases: list[tuple[str, str, float, bool]] = []  # leases to give back: host, requeue, paused until, given up
        self._claim_after = 0.0
        self._sync_at: float | None = None  # when the timed sync is due
        self._sync_timer: CallLaterResult | None = None
        self._pending = (0.0, True)  # (when asked, whether the crawl had work)
        self._stopping = False

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SharedScheduler:
        return cls(crawler)

    def open(self, spider: Spider) -> None:
        robots = self.crawler.get_downloader_middleware(RobotsMiddleware)
        netguard = self.crawler.get_downloader_middleware(NetguardMiddleware)
        if robots is None or netguard is None:
            raise RuntimeError("SharedScheduler needs RobotsMiddleware and NetguardMiddleware")
        shared = worker_frontier(self.crawler)
        assert shared is not None
        self.spider, self.shared = spider, shared
        self.robots, self.netguard = robots, netguard
        self.politeness = politeness(self.crawler)
        self.audit = audit(self.crawler)
        self.denylist = crawl_denylist(self.crawler)
        self.downloader = self.crawler.engine.downloader
        self._loop = create_looping_call(self._tick)
        self._loop.start(max(0.2, self.timeout / 6), now=False)
        connect = self.crawler.signals.connect
        connect(self._robots_resolved, robots_resolved)
        connect(self._settled, page_settled)
        connect(self._stored, page_stored)
        connect(self._publishing, shard_publishing)
        connect(self._dropped, signals.item_dropped)

    def close(self, reason: str) -> None:
        if self._loop.running:
            self._loop.stop()
        if not self._stopping:
            self._safely(self._sync)
        self._stopping = True  # the worker leaves: a timed sync still pending sends nothing
        if self._sync_timer is not None:
            self._sync_timer.cancel()
        try:
            self.shared.leave()
        except RedisError as error:
            logger.error("Could not leave the shared frontier (%s): its work goes back to the queue when another "
                         "worker reaps this one after FRONTIER_WORKER_TIMEOUT with Redis reachable, or when it "
                         "starts again", error)

    def has_pending_requests(self) -> bool:
        if self.ready or self.in_flight or self.waiting or self._adds or self._settles or self._releases:
            return True
        if self._stopping:
            return False
        asked, pending = self._pending
        if monotonic() - asked >= POLL_SECONDS:
            pending = self._ask_pending()
        return pending

    def __len__(self) -> int:
        return len(self.ready) + sum(map(len, self.waiting.values())) + len(self._adds)

    def _ask_pending(self) -> bool:
        """Whether the crawl still has work: URLs queued or being fetched by
        any worker, or workers presumed dead whose work is not yet reaped."""
        answer = self._safely(self.shared.pending)
        if answer is None:
            return False
        open_, dead = answer
        pending = open_ > 0 or bool(dead)
        self._pending = (monotonic(), pending)
        return pending

    # --- in ---------------------------------------------------------------

    def enqueue_request(self, request: Request) -> bool:
        checked = admitted(request, self.max_url_length, self.denylist, self.netguard, self.audit)
        if checked is None:
            self._settle_redirects(request)
            return False
        request = checked
        host = self.downloader.get_slot_key(request)
        fp = url_fingerprint(request.url)
        if request.dont_filter:  # a retry: queued again whatever its state
            self.parsing.pop(fp, None)
            self._safely(self.shared.requeue, host, pack_record(fp, host, request))
            self._queued()
            return True
        if fp in self._recent:  # queued already: only the URLs that redirected here are through
            self._settle_redirects(request)
            return False
        self._recent.add(fp)
        page = "redirect_urls" not in request.meta and "sitemap_depth" not in request.meta
        self._adds.append((fp, host, pack_record(fp, host, request), page, request.url))
        self._flush_later()
        self._settle_redirects(request)
        return True  # queued, unless the frontier finds it seen when the batch is sent

    def _settle_redirects(self, request: Request) -> None:
        """The URLs that redirected to `request` need nothing more, whether it
        is queued in their stead, refused, or queued already: as in the
        single-process frontier, else they would stay pending for good and
        the crawl would never end."""
        for url in request.meta.get("redirect_urls", ()):
            self._settle(url_fingerprint(url), stored=False)

    def _period(self) -> float:
        return sync_period(self.shared.crowd)

    def _flush_later(self) -> None:
        """Have what was gathered sent within one period, if no claim takes it sooner."""
        self._sync_by(monotonic() + self._period())

    def _sync_by(self, at: float) -> None:
        """Have `_timed_sync` run by `at` (monotonic): one timer, at the
        earliest time asked for."""
        if self._sync_at is not None and self._sync_at <= at:
            return
        if self._sync_timer is not None:
            self._sync_timer.cancel()
        self._sync_at = at
        self._sync_timer = call_later(max(0.0, at - monotonic()), self._timed_sync)

    def _timed_sync(self) -> None:
        """Send what was gathered, and claim if a claim is due (or new hosts
        were found, which may be due at once). The engine is woken when a
        claimed request is ready for it, or, with nothing in flight here, at
        most every POLL_SECONDS to ask whether the crawl is over; not on
        every poll."""
        self._sync_at = self._sync_timer = None
        if self._stopping:
            return
        now = monotonic()
        claim = not self.ready and (now >= self._claim_after or bool(self._adds))
        self._safely(self._sync, self._room() if claim else 0)
        if self._claim_after > now:  # the next poll, which an earlier flush may have displaced
            self._sync_by(self._claim_after)
        idle = not self.in_flight and not self.waiting and now - self._pending[0] >= POLL_SECONDS
        if self.ready or idle:
            self._wake()

    def _sync(self, room: int = 0) -> None:
        """One call to the frontier with everything gathered since the last:
        links, settlements and leases given back, and a claim of up to
        `room` due hosts. A worker busy with many hosts makes one such call
        every period or so, rather than one per link batch, per
        request finished and per claim."""
        adds, self._adds = self._adds, []
        settles, self._settles = self._settles, []
        releases, self._releases = self._releases, []
        if not adds and not settles and not releases and room <= 0:
            return
        now = monotonic()
        verdicts, claims, due_in = self.shared.sync(
            [a[:4] for a in adds], settles, [self._lease_back(*r, now) for r in releases], max(room, 0),
            self.max_pages, self.max_per_host,
        )
        for (_, host, _, _, url), verdict in zip(adds, verdicts):
            if verdict == 1:
                self._queued()
            elif verdict == 2:
                self.audit.skip("cap", url, f"CRAWL_MAX_PAGES={self.max_pages} reached")
            elif verdict == 3:
                self.audit.skip("cap", url, f"LIMITS_PAGES_PER_HOST={self.max_per_host} reached for {host}")
        if room > 0:
            self._claimed(claims, due_in, room, now)

    def _queued(self) -> None:
        self.stats.inc_value("scheduler/enqueued")
        self._claim_after = 0.0  # the host may be due at once

    def _safely(self, call: Any, *args: Any) -> Any:
        """A call to the shared frontier; a fenced worker or an unreachable
        Redis stops this worker."""
        try:
            return call(*args)
        except (WorkerFenced, RedisError) as error:
            self._stop(error)
        return None

    # --- out --------------------------------------------------------------

    def next_request(self) -> Request | None:
        if self._stopping:
            return None
        return self._safely(self._next_request)

    def _next_request(self) -> Request | None:
        self._release_finished()
        now = monotonic()
        if not self.ready and now >= self._claim_after:
            room = self._room()
            if room > 0:
                self._sync(room)
        while self.ready:
            request = self._admit(self.ready.popleft())
            if request is not None:
                self.stats.inc_value("scheduler/dequeued")
                return request
        return None

    def _room(self) -> int:
        """How many more hosts this worker may claim: the downloader's room
        less the claimed requests it holds, at most CLAIM_BATCH."""
        held = len(self.ready) + sum(map(len, self.waiting.values()))
        return min(CLAIM_BATCH, self.concurrency - len(self.downloader.active) - held)

    def _claimed(self, claims: list[Claim], due_in: float | None, room: int, now: float) -> None:
        self.stats.inc_value("frontier/claims" if claims else "frontier/claims/empty")
        for claim in claims:
            self.shared.fresh[claim.host] = claim.gap
            fp, request = unpack_record(claim.record, self.spider)
            self.politeness.import_state(claim.host, claim.state, claim.pause)
            self.ready.append(_Claimed(claim.host, fp, claim.record, request))
        if len(claims) < room:  # every due host is taken: ask again when the next one is due
            wait = max(self._period(), POLL_SECONDS if due_in is None else min(due_in, POLL_SECONDS))
            self._claim_after = now + wait
            self._sync_by(self._claim_after)

    def _admit(self, claimed: _Claimed) -> Request | None:
        """The claimed request if it may go now; else it waits for its
        robots.txt, goes back to its queue, or is skipped."""
        host = claimed.host
        if self.politeness.hold(host) is not None:
            self._release(host, requeue="" if self.politeness.gave_up(host) else claimed.record, extra=claimed)
            return None
        origin = request_origin(claimed.request.url)
        kind, info = self.robots.readiness(origin)
        if kind is Readiness.READY:
            self.in_flight[host] = claimed
            self.parsing[claimed.fp] = host
            return claimed.request
        if kind is Readiness.FETCHING:
            self.waiting.setdefault(origin, []).append(claimed)
        elif kind is Readiness.WAITING:
            self._release(host, requeue=claimed.record, pause=info - monotonic())
        else:
            self.robots.skip(claimed.request.url, origin, kind, info)
            self._settles.append((claimed.fp, False))
            self._flush_later()
            self._release(host)
        return None

    def _release_finished(self) -> None:
        """Give back the leases of hosts whose requests have left the
        downloader: only then has every middleware, the wall detector
        included, seen the answer, so a pause it set goes with the lease."""
        active = self.downloader.active
        for host, claimed in list(self.in_flight.items()):
            if claimed.request not in active:
                del self.in_flight[host]
                self._release(host)

    def _release(self, host: str, requeue: str = "", pause: float = 0.0, extra: _Claimed | None = None) -> None:
        """Give the host's lease back with its politeness state, with the next
        call to the frontier: within one period, well inside any gap the
        host is owed, and the host is nobody else's meanwhile. A host given
        up has its queue (and `extra`, a claimed request) skipped at once."""
        kind = self.politeness.gave_up(host)
        if kind is not None:
            skipped = self.shared.drop_host(host)
            if extra is not None:
                self._settles.append((extra.fp, False))
                skipped.append(extra.record)
            for record in skipped:
                url = json.loads(record.split("|", 2)[2])[0]
                self.audit.skip(kind, url, f"host {host} was given up after repeated challenges or blocks")
        self.shared.fresh.pop(host, None)
        self._releases.append((host, requeue, monotonic() + pause, kind is not None))
        self._flush_later()

    def _lease_back(self, host: str, requeue: str, paused_until: float, gave_up: bool, now: float) -> Release:
        """A lease given back now, with the host's politeness state as it is now."""
        answered = self.shared.answered.pop(host, None)
        return Release(
            host, self.politeness.gap(host), now - answered if answered is not None else None,
            0.0 if gave_up else max(paused_until - now, self.politeness.pause_left(host)),
            self.politeness.export_state(host), gave_up=gave_up, requeue=requeue,
        )

    # --- signals ----------------------------------------------------------

    def _robots_resolved(self, origin: str, **kwargs: Any) -> None:
        claims = self.waiting.pop(origin, ())
        if claims:
            self.ready.extend(claims)
            self._wake()

    def _settle(self, fp: int, stored: bool) -> None:
        """A URL this worker fetched needs nothing more, or (`stored`) waits
        for its shard; reported with the next links sent."""
        if self.parsing.pop(fp, None) is not None:
            self._settles.append((fp, stored))
            self._flush_later()

    def _publishing(self, **kwargs: Any) -> None:
        self._safely(self._sync)  # the shard's URLs are held before it is committed

    def _settled(self, request: Request, **kwargs: Any) -> None:
        self._settle(url_fingerprint(request.url), stored=False)

    def _stored(self, fingerprint: int, **kwargs: Any) -> None:
        self._settle(fingerprint, stored=True)

    def _dropped(self, response: Any, **kwargs: Any) -> None:
        if response is not None and response.request is not None:
            self._settle(url_fingerprint(response.request.url), stored=False)

    # --- liveness ---------------------------------------------------------

    def _tick(self) -> None:
        """Stay alive in Redis, and reap the workers that did not."""
        if not self._safely(self.shared.beat, self.timeout):
            self._stop(WorkerFenced(self.shared.worker))
            return
        for worker in (self._safely(self.shared.pending) or (0, []))[1]:
            returned = self._safely(self.shared.reap, worker)
            if returned is not None:
                logger.warning(
                    "Worker %s presumed dead (no heartbeat for %g s): %d leased and %d unpublished URLs "
                    "returned to the frontier", worker, self.timeout, *returned,
                )
                self._claim_after = 0.0
                self._sync_by(monotonic())

    def _wake(self) -> None:
        """Have the engine ask for requests again, on its next turn: Scrapy's
        own wake-up, which runs once however often it is asked for (the
        version is pinned)."""
        slot = getattr(self.crawler.engine, "_slot", None)
        if slot is not None:
            slot.nextcall.schedule()

    def _stop(self, error: Exception) -> None:
        """Stop the worker gracefully, fenced or without Redis (`stop_worker`);
        from then on this scheduler sends nothing more."""
        if not self._stopping:
            self._stopping = True
            stop_worker(self.crawler, error)
