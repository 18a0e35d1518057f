"""The robots layer: fetches robots.txt once per origin before any other
request to it, through the host's politeness slot, and enforces it.

Decisions come from `crawler.robots`; this middleware fetches, caches, logs
and acts. The scheduler asks `readiness()` before it hands out a request, so
pages of an origin wait in the scheduler, not here, while its robots.txt is
fetched or unreachable.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field
from enum import Enum
from time import monotonic
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit

from scrapy import Request
from scrapy.exceptions import IgnoreRequest
from scrapy.http.request import NO_CALLBACK
from scrapy.utils.defer import deferred_from_coro, maybe_deferred_to_future
from twisted.internet.defer import Deferred

from crawler.errors import ConfigError
from crawler.extensions.ledger import ledger
from crawler.extensions.politeness import politeness
from crawler.headers import plain_headers
from crawler.reasons import escape
from crawler.robots import Availability, RobotsRules, classify, origin_of, parse, retry_delay
from crawler.urls import canonical_url
from crawler.walls import classify as classify_response

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.http import Response

logger = logging.getLogger(__name__)

MAX_REDIRECTS = 5
MAX_CACHE_SECONDS = 86400.0

#: Signal sent with `origin=` when a robots.txt fetch for it has settled.
robots_resolved = object()


class Readiness(Enum):
    READY = "ready"  # the policy is known: requests may go
    FETCHING = "fetching"  # robots.txt is being fetched: requests wait
    WAITING = "waiting"  # robots.txt unreachable: requests wait for the retry
    DROP = "drop"  # requests to this origin are skipped (reason given)


@dataclass
class OriginState:
    availability: Availability | None = None
    rules: RobotsRules | None = None
    detail: str = ""
    expires: float = 0.0
    failures: int = 0
    fetching: bool = False
    delay: float | None = None
    waiters: list[Deferred[None]] = field(default_factory=list)


def request_origin(url: str) -> str:
    """The robots.txt origin of any request URL."""
    return origin_of(canonical_url(url) or url)


class RobotsMiddleware:
    def __init__(self, crawler: Crawler) -> None:
        settings = crawler.settings
        self.crawler = crawler
        self.token: str = settings["ROBOTSTXT_USER_AGENT"]
        self.ttl = settings.getfloat("ROBOTS_CACHE_SECONDS")
        if not 0 < self.ttl <= MAX_CACHE_SECONDS:
            raise ConfigError(
                f"ROBOTS_CACHE_SECONDS={self.ttl:g} is out of range: RFC 9309 allows a cached "
                f"robots.txt for at most {MAX_CACHE_SECONDS:g} s (24 h); set 1 to {MAX_CACHE_SECONDS:g}"
            )
        self.max_delay = settings.getfloat("ROBOTS_MAX_CRAWL_DELAY")
        self.retry_base = settings.getfloat("ROBOTS_RETRY_DELAY")
        self.retry_ceiling = settings.getfloat("ROBOTS_RETRY_MAX_DELAY")
        self.retry_times = settings.getint("ROBOTS_RETRY_TIMES")
        self.origins: dict[str, OriginState] = {}
        self.ledger = ledger(crawler)
        self.politeness = politeness(crawler)
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RobotsMiddleware:
        return cls(crawler)

    def readiness(self, origin: str) -> tuple[Readiness, Any]:
        """Whether requests to `origin` may go now; starts a fetch of its
        robots.txt when none is known or the known one is stale. WAITING
        comes with the monotonic time of the retry, DROP with a reason."""
        state = self.origins.get(origin)
        if state is None:
            state = self.origins[origin] = OriginState()
        if state.fetching:
            return Readiness.FETCHING, None
        unreachable = state.availability is Availability.UNREACHABLE
        if unreachable and state.failures > self.retry_times:
            return Readiness.DROP, "robots-unreachable"
        if monotonic() >= state.expires:
            self._start(origin, state)
            return Readiness.FETCHING, None
        if unreachable:
            return Readiness.WAITING, state.expires
        if state.delay is not None and state.delay > self.max_delay:
            return Readiness.DROP, "crawl-delay"
        return Readiness.READY, None

    async def policy(self, origin: str) -> tuple[Readiness, Any]:
        """`readiness()`, once any fetch of the origin's robots.txt has settled."""
        kind, info = self.readiness(origin)
        while kind is Readiness.FETCHING:
            waiter: Deferred[None] = Deferred()
            self.origins[origin].waiters.append(waiter)
            await maybe_deferred_to_future(waiter)
            kind, info = self.readiness(origin)
        return kind, info

    def decide(self, url: str, origin: str, kind: Readiness, info: Any, agent: str) -> tuple[str | None, str]:
        """Why `url` may or may not be fetched by `agent`, once its origin's
        policy is settled: the skip reason (None: allowed) and the explanation."""
        state = self.origins[origin]
        robots_url = f"{origin}/robots.txt"
        if kind is Readiness.DROP and info == "crawl-delay":
            return info, (
                f"{robots_url}: crawl-delay {state.delay:g} s is above "
                f"ROBOTS_MAX_CRAWL_DELAY={self.max_delay:g}"
            )
        if kind is not Readiness.READY:
            return "robots-unreachable", f"{robots_url}: unreachable ({state.detail}): everything disallowed"
        if state.rules is None:
            return None, f"{robots_url}: unavailable ({state.detail}): everything allowed"
        decision = state.rules.explain(url, agent)
        return (None if decision.allowed else "robots"), f"{robots_url}: {decision}"

    def crawl_delay(self, origin: str, agent: str) -> float | None:
        rules = self.origins[origin].rules
        return rules.crawl_delay(agent) if rules is not None else None

    async def process_request(self, request: Request) -> None:
        if request.meta.get("robots_txt"):
            return
        origin = request_origin(request.url)
        kind, info = await self.policy(origin)
        state = self.origins[origin]
        if kind is Readiness.READY and (state.rules is None or state.rules.allowed(request.url, self.token)):
            self.stats.inc_value("robots/allowed")
            return
        self.skip(request.url, origin, kind, info)
        raise IgnoreRequest("robots.txt")

    def skip(self, url: str, origin: str, kind: Readiness, info: Any) -> None:
        """Record a URL skipped because of its origin's robots.txt."""
        reason, detail = self.decide(url, origin, kind, info, self.token)
        assert reason is not None
        if reason == "robots":
            self.stats.inc_value("robots/disallowed")
        self.ledger.skip(reason, url, detail)

    def _start(self, origin: str, state: OriginState) -> None:
        state.fetching = True
        done = deferred_from_coro(self._fetch(origin))
        done.addErrback(lambda f: logger.error("robots.txt fetch for %s failed: %s", origin, f.value))

    def _robots_request(self, url: str, origin: str) -> Request:
        return Request(
            url,
            callback=NO_CALLBACK,
            dont_filter=True,
            priority=1000,
            meta={
                "robots_txt": origin,
                "dont_redirect": True,
                "dont_retry": True,
                "handle_httpstatus_all": True,
            },
        )

    async def _fetch(self, origin: str) -> None:
        url = f"{origin}/robots.txt"
        status: int | None = None
        body = b""
        detail = ""
        challenged = False
        try:
            for hop in range(MAX_REDIRECTS + 1):
                response: Response = await self.crawler.engine.download_async(
                    self._robots_request(url, origin)
                )
                location = response.headers.get(b"Location")
                status = response.status
                if 300 <= status < 400 and location:
                    if hop == MAX_REDIRECTS:
                        detail = f"{status}, more than {MAX_REDIRECTS} redirects"
                        break
                    url = urljoin(response.url, location.decode("latin-1"))
                    continue
                verdict = classify_response(status, plain_headers(response.headers), url, body=response.body)
                challenged = not verdict.is_content
                detail = f"{status}, {verdict.kind}: {verdict.evidence}" if challenged else str(status)
                body = response.body
                break
        except Exception as exc:  # noqa: BLE001 - any failure to fetch means unreachable
            status = None
            detail = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        availability = classify(status, challenged=challenged)
        if url != f"{origin}/robots.txt" and availability is Availability.PARSED:
            detail += f" via {url}"
        self._settle(origin, availability, parse(body) if availability is Availability.PARSED else None, detail)

    def _settle(
        self, origin: str, availability: Availability, rules: RobotsRules | None, detail: str
    ) -> None:
        state = self.origins[origin]
        now = monotonic()
        robots_url = f"{origin}/robots.txt"
        self.stats.inc_value(f"robots/fetch/{availability.value}")
        if availability is Availability.UNREACHABLE:
            state.failures += 1
            cached = state.availability is not None and state.availability is not Availability.UNREACHABLE
            if state.failures > self.retry_times and not cached:
                state.expires = math.inf
                plan = f"gave up after {state.failures} attempt{'s' if state.failures > 1 else ''}"
            else:
                wait = retry_delay(state.failures, self.retry_base, self.retry_ceiling)
                state.expires = now + wait
                plan = f"retry {state.failures} in {wait:g} s"
            if cached:
                logger.info(
                    "robots.txt %s: unreachable (%s): the copy fetched earlier still applies; %s",
                    robots_url, escape(detail), plan,
                )
            else:
                state.availability, state.rules, state.detail = availability, None, detail
                logger.info(
                    "robots.txt %s: unreachable (%s): everything disallowed; %s",
                    robots_url, escape(detail), plan,
                )
        else:
            state.availability, state.rules, state.detail = availability, rules, detail
            state.failures = 0
            state.expires = now + self.ttl
            state.delay = rules.crawl_delay(self.token) if rules is not None else None
            if availability is Availability.UNAVAILABLE:
                logger.info("robots.txt %s: unavailable (%s): everything allowed", robots_url, escape(detail))
            else:
                delay = f"crawl-delay {state.delay:g} s" if state.delay is not None else "no crawl-delay"
                logger.info("robots.txt %s: parsed (%s); %s for %s", robots_url, escape(detail), delay, self.token)
            host = urlsplit(origin).hostname or ""
            if state.delay is not None and state.delay > self.max_delay:
                logger.info(
                    "robots.txt %s: crawl-delay %g s exceeds ROBOTS_MAX_CRAWL_DELAY=%g: origin skipped",
                    robots_url, state.delay, self.max_delay,
                )
            else:
                self.politeness.set_floor(host, origin, state.delay or 0.0)
        state.fetching = False
        waiters, state.waiters = state.waiters, []
        for waiter in waiters:
            waiter.callback(None)
        self.crawler.signals.send_catch_log(robots_resolved, origin=origin)
