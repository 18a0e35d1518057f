"""Start-of-crawl checks of identity and politeness, and per-host pacing."""

from __future__ import annotations

import json
import logging
import math
from functools import cached_property
from time import monotonic
from typing import TYPE_CHECKING, Any

from scrapy import signals

from crawler.backoff import BackoffPolicy, HostBackoff
from crawler.errors import ConfigError
from crawler.extensions import enabled
from crawler.extensions.audit import Audit, audit
from crawler.identity import identity_errors, identity_warnings
from crawler.politeness import politeness_warnings, slot_pacing
from crawler.reasons import escape

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)


class Politeness:
    """Stops a crawl whose identity is invalid before its first request, warns
    about less polite settings, and owns how fast each host is crawled: its
    gap (the larger of DOWNLOAD_DELAY and what its robots.txt asks for, longer
    while it keeps failing with 5xx, with jitter that only ever lengthens it)
    and its pauses after challenges, blocks and rate limits."""

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
        self.policy = BackoffPolicy(
            challenge_pause=settings.getfloat("BACKOFF_CHALLENGE_PAUSE"),
            give_up_after=settings.getint("BACKOFF_GIVE_UP_AFTER"),
            ratelimit_pause=settings.getfloat("BACKOFF_RATELIMIT_PAUSE"),
            max_pause=settings.getfloat("BACKOFF_MAX_PAUSE"),
            max_slowdown=settings.getfloat("BACKOFF_MAX_SLOWDOWN"),
        )
        self.hosts: dict[str, HostBackoff] = {}
        self._paused: dict[str, str] = {}  # host -> why, while paused
        self._gave_up: dict[str, str] = {}  # host -> the kind of wall that ended it
        self.stats = crawler.stats
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
        host's robots.txt files ask for, whichever is longer, times the
        host's 5xx slowdown."""
        state = self.hosts.get(key)
        slowdown = state.slowdown if state is not None else 1.0
        return max([self.base_delay, *self._floors.get(key, {}).values()]) * slowdown

    def hold(self, key: str) -> float | None:
        """Until when (monotonic; inf once given up) the host takes no
        request, or None if it may take one now."""
        state = self.hosts.get(key)
        if state is None or not state.paused_until:
            return None
        if state.paused_until > monotonic():
            return state.paused_until
        why = self._paused.pop(key, None)
        if why is not None:
            logger.info("Resumed host %s after a pause (%s)", key, why)
            self.stats.inc_value("backoff/resumed")
            self.audit.record("resume", key, reason=why)
        state.paused_until = 0.0
        return None

    def gave_up(self, key: str) -> str | None:
        """The kind of wall ("challenge" or "block") after which the host was
        given up, or None."""
        return self._gave_up.get(key)

    def paused_hosts(self) -> list[str]:
        return list(self._paused)

    def given_up_hosts(self) -> set[str]:
        return set(self._gave_up)

    def walled(self, key: str, kind: str, evidence: str) -> None:
        """A challenge or block: pause the host, or give up on it."""
        state = self.hosts.setdefault(key, HostBackoff())
        pause = state.challenged(self.policy, monotonic())
        if pause is None:
            self._gave_up[key] = kind
            logger.info(
                "Gave up (%s) host %s after %d challenges or blocks: %s",
                kind, key, state.walls, escape(evidence),
            )
            self.stats.inc_value("backoff/gave_up")
            self.audit.record("giveup", key, reason=kind, detail=evidence)
        else:
            self._pause(key, kind, pause, evidence)

    def rate_limited(self, key: str, wait: float | None, evidence: str) -> None:
        """A rate limit: pause the host as long as it asked, or back off."""
        state = self.hosts.setdefault(key, HostBackoff())
        self._pause(key, "ratelimit", state.rate_limited(self.policy, monotonic(), wait), evidence)

    def server_error(self, key: str, status: int) -> None:
        state = self.hosts.setdefault(key, HostBackoff())
        previous = state.slowdown
        if state.server_error(self.policy) != previous:
            logger.info(
                "Slowed down host %s after a %d: gap %.3g s (x%g)", key, status, self.gap(key), state.slowdown
            )
            self.stats.inc_value("backoff/slowed")
            self.audit.record("slowdown", key, status=status, gap=self.gap(key))
            self.pace(key)

    def succeeded(self, key: str) -> None:
        state = self.hosts.get(key)
        if state is not None and (state.ratelimits or state.slowdown > 1):
            previous = state.slowdown
            if state.succeeded() != previous:
                self.pace(key)

    def _pause(self, key: str, kind: str, seconds: float, evidence: str) -> None:
        self._paused[key] = kind
        logger.info("Paused (%s) host %s for %.3g s: %s", kind, key, seconds, escape(evidence))
        self.stats.inc_value(f"backoff/paused/{kind}")
        self.audit.record("pause", key, reason=kind, detail=evidence, gap=seconds)

    @cached_property
    def audit(self) -> Audit:
        return audit(self.crawler)

    def host_concurrency(self, key: str) -> int:
        """Requests in flight at once on a slot: 1 for a host that asks for a
        crawl delay, else CONCURRENT_REQUESTS_PER_DOMAIN."""
        return 1 if any(self._floors.get(key, {}).values()) else self.concurrency

    def set_floor(self, key: str, origin: str, seconds: float) -> None:
        """Record the gap one origin's robots.txt asks for on a host's slot."""
        self._floors.setdefault(key, {})[origin] = seconds
        self.pace(key)

    def pause_left(self, key: str) -> float:
        """Seconds the host stays paused (inf once given up; 0: not paused)."""
        state = self.hosts.get(key)
        return max(0.0, state.paused_until - monotonic()) if state is not None else 0.0

    def export_state(self, key: str) -> str:
        """The host's back-off, pause, give-up and robots.txt floors, as JSON
        for the next worker that leases the host, so that they outlive this
        worker (`crawler.sharedfrontier`)."""
        data: dict[str, Any] = {"floors": self._floors.get(key, {})}
        state = self.hosts.get(key)
        if state is not None:  # the pause itself goes to the frontier, timed by its clock
            data["backoff"] = [state.walls, state.ratelimits, state.slowdown, state.gave_up]
        for field, table in (("paused", self._paused), ("gave_up", self._gave_up)):
            if key in table:
                data[field] = table[key]
        return json.dumps(data)

    def import_state(self, key: str, text: str, pause: float) -> None:
        """Take up the state another worker left for the host (`export_state`),
        and `pause`, the seconds it stays paused."""
        if not text:
            return
        data = json.loads(text)
        if data.get("floors"):
            self._floors.setdefault(key, {}).update(data["floors"])
        if "backoff" in data:
            walls, ratelimits, slowdown, gave_up = data["backoff"]
            self.hosts[key] = HostBackoff(
                walls=walls, ratelimits=ratelimits, slowdown=slowdown,
                # a pause that ended while no worker held the host is still resumed, and recorded, once
                paused_until=math.inf if gave_up else (monotonic() + pause if pause or "paused" in data else 0.0),
                gave_up=gave_up,
            )
        for field, table in (("paused", self._paused), ("gave_up", self._gave_up)):
            if field in data:
                table[key] = data[field]
            else:
                table.pop(key, None)
        if data.get("floors") or "backoff" in data:
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
    """The crawl's Politeness extension."""
    return enabled(crawler, Politeness)
