"""The robots layer: fetches an origin's policy files before any other request
to it, through the host's politeness slot, and enforces them.

With a shared frontier (`crawler.workers`) the outcome of each fetch is
shared through Redis: a worker fetches a file only when no other worker's
copy is still valid, and only while it holds the lease of the origin's
host, so each file is fetched once per origin per cache period across
all workers.

The files are robots.txt (always) and `/.well-known/tdmrep.json` (when the
crawl's purpose calls for TDMRep), each fetched once per origin, cached for
ROBOTS_CACHE_SECONDS and judged by the same status-code policy. Decisions
come from `crawler.robots` and `crawler.signals`; this middleware fetches,
caches, logs and acts. The scheduler asks `readiness()` before it hands out a
request, so pages of an origin wait in the scheduler, not here, while a file
is fetched or unreachable.
"""

from __future__ import annotations

import base64
import logging
import math
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum
from time import monotonic
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit

from scrapy import Request
from scrapy.http.request import NO_CALLBACK
from scrapy.utils.defer import deferred_from_coro, maybe_deferred_to_future
from twisted.internet.defer import Deferred

from crawler.extensions.audit import Skipped, audit
from crawler.extensions.politeness import politeness
from crawler.headers import plain_headers, sha1_digest
from crawler.hooks import robots_resolved
from crawler.reasons import escape
from crawler.robots import (
    Availability,
    RobotsRules,
    classify,
    delay_note,
    origin_of,
    parse,
    retry_delay,
)
from crawler.signals import TdmRule, needs_tdmrep, parse_tdmrep, robots_usage, tdm_file_rule
from crawler.urls import Refused, canonical_url, request_url
from crawler.walls import classify as classify_response
from crawler.workers import worker_frontier

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.http import Response

logger = logging.getLogger(__name__)

MAX_REDIRECTS = 5


class Readiness(Enum):
    READY = "ready"  # the policy is known: requests may go
    FETCHING = "fetching"  # a policy file is being fetched: requests wait
    WAITING = "waiting"  # a policy file is unreachable: requests wait for the retry
    DROP = "drop"  # requests to this origin are skipped (reason given)


@dataclass(frozen=True)
class PolicyFile:
    name: str  # its audit event and stats prefix
    path: str
    parse: Callable[[bytes], Any]
    unreachable_reason: str
    unreachable_means: str


ROBOTS_TXT = PolicyFile("robots", "/robots.txt", parse, "robots-unreachable", "everything disallowed")
TDMREP = PolicyFile("tdmrep", "/.well-known/tdmrep.json", parse_tdmrep, "tdm", "every document reserved")


@dataclass
class FileState:
    availability: Availability | None = None
    value: Any = None  # the parsed file, when PARSED
    detail: str = ""
    expires: float = 0.0
    failures: int = 0
    fetching: bool = False
    raw: bytes = b""  # the body last parsed, kept only to share it again


@dataclass
class OriginState:
    files: dict[str, FileState] = field(default_factory=dict)
    delay: float | None = None
    waiters: list[Deferred[None]] = field(default_factory=list)

    def file(self, policy_file: PolicyFile) -> FileState:
        return self.files.setdefault(policy_file.path, FileState())

    @property
    def rules(self) -> RobotsRules | None:
        state = self.files.get(ROBOTS_TXT.path)
        return state.value if state is not None else None


def request_origin(url: str) -> str:
    """The robots.txt origin of any request URL."""
    return origin_of(canonical_url(url) or url)


class RobotsMiddleware:
    def __init__(self, crawler: Crawler) -> None:
        settings = crawler.settings
        self.crawler = crawler
        self.token: str = settings["ROBOTSTXT_USER_AGENT"]
        self.ttl = settings.getfloat("ROBOTS_CACHE_SECONDS")
        self.max_delay = settings.getfloat("ROBOTS_MAX_CRAWL_DELAY")
        self.retry_base = settings.getfloat("ROBOTS_RETRY_DELAY")
        self.retry_ceiling = settings.getfloat("ROBOTS_RETRY_MAX_DELAY")
        self.retry_times = settings.getint("ROBOTS_RETRY_TIMES")
        self.max_url_length = settings.getint("URLLENGTH_LIMIT")
        self.files = [ROBOTS_TXT, TDMREP] if needs_tdmrep(settings["CRAWL_PURPOSE"]) else [ROBOTS_TXT]
        self.origins: dict[str, OriginState] = {}
        self.audit = audit(crawler)
        self.politeness = politeness(crawler)
        self.stats = crawler.stats
        self.shared = worker_frontier(crawler)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RobotsMiddleware:
        return cls(crawler)

    def readiness(self, origin: str) -> tuple[Readiness, Any]:
        """Whether requests to `origin` may go now; starts a fetch of a policy
        file when none is known or the known one is stale. WAITING comes with
        the monotonic time of the retry, DROP with a skip reason."""
        state = self.origins.get(origin)
        if state is None:
            state = self.origins[origin] = OriginState()
        if self.shared is not None:
            stale = [f for f in self.files if self._stale(state, f)]
            if stale:
                self._adopt(origin, state, stale)
        for policy_file in self.files:
            kind, info = self._file_readiness(origin, state, policy_file)
            if kind is not Readiness.READY:
                return kind, info
            if policy_file is ROBOTS_TXT and state.delay is not None and state.delay > self.max_delay:
                return Readiness.DROP, "crawl-delay"
        return Readiness.READY, None

    def _file_readiness(self, origin: str, state: OriginState, policy_file: PolicyFile) -> tuple[Readiness, Any]:
        file = state.file(policy_file)
        if file.fetching:
            return Readiness.FETCHING, None
        expired = monotonic() >= file.expires
        unreachable = file.availability is Availability.UNREACHABLE
        if unreachable and file.failures > self.retry_times:
            return Readiness.DROP, policy_file.unreachable_reason
        if expired:
            if policy_file is not ROBOTS_TXT and not self._robots_allow(state, origin + policy_file.path):
                self._settle(origin, policy_file, Availability.UNAVAILABLE, None, "disallowed by robots.txt")
                return Readiness.READY, None
            file.fetching = True
            done = deferred_from_coro(self._fetch(origin, policy_file))
            done.addErrback(lambda f: logger.error("%s%s fetch failed: %s", origin, policy_file.path, f.value))
            return Readiness.FETCHING, None
        if unreachable:
            return Readiness.WAITING, file.expires
        return Readiness.READY, None

    @staticmethod
    def _stale(state: OriginState, policy_file: PolicyFile) -> bool:
        """Whether the file is due for a fetch here, unless another worker's is shared."""
        file = state.file(policy_file)
        return not file.fetching and monotonic() >= file.expires

    def _adopt(self, origin: str, state: OriginState, files: list[PolicyFile]) -> None:
        """Take up the outcomes other workers' fetches of the origin's stale
        `files` shared, where they still hold, in one lookup: a worker meets
        an origin's robots.txt and tdmrep.json together. A file not found is
        this worker's to fetch."""
        assert self.shared is not None
        found = self.shared.get_policies([origin + f.path for f in files])
        for policy_file in files:
            shared = found.get(origin + policy_file.path)
            if shared is None:
                continue
            fields, remaining = shared
            file = state.file(policy_file)
            file.availability = Availability(fields["state"])
            file.detail, file.failures = fields["detail"], int(fields["failures"])
            file.raw = zlib.decompress(base64.b64decode(fields["body"])) if fields.get("body") else b""
            file.value = policy_file.parse(file.raw) if file.availability is Availability.PARSED else None
            file.expires = math.inf if remaining is None else monotonic() + remaining
            self.stats.inc_value(f"{policy_file.name}/shared")
            if policy_file is ROBOTS_TXT and file.availability is not Availability.UNREACHABLE:
                self._robots_settled(origin, state, f"robots.txt {origin}{policy_file.path} (shared)")
        if found:
            self.crawler.signals.send_catch_log(robots_resolved, origin=origin)

    def _share(self, origin: str, policy_file: PolicyFile, body: bytes | None) -> None:
        """Share the outcome of this worker's fetch with the other workers,
        for as long as it holds here; the last parsed body goes with it, so
        a copy kept through an unreachable refresh is shared whole."""
        assert self.shared is not None
        file = self.origins[origin].file(policy_file)
        if file.availability is None:
            return
        if body is not None:
            file.raw = body
        left = file.expires - monotonic()
        fields = {"state": file.availability.value, "detail": file.detail,
                  "failures": str(file.failures)}
        if file.availability is Availability.PARSED:
            fields["body"] = base64.b64encode(zlib.compress(file.raw)).decode()
        valid = None if math.isinf(left) else max(left, 0.0)
        self.shared.put_policy(origin + policy_file.path, fields, valid, (valid or self.ttl) + 60)

    def _robots_allow(self, state: OriginState, url: str) -> bool:
        rules = state.rules
        return rules is None or rules.allowed(url, self.token)

    async def policy(self, origin: str) -> tuple[Readiness, Any]:
        """`readiness()`, once any fetch of the origin's files has settled."""
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
        robots_url = f"{origin}{ROBOTS_TXT.path}"
        if kind is Readiness.DROP and info == "crawl-delay":
            return info, (
                f"{robots_url}: crawl-delay {state.delay:g} s is above "
                f"ROBOTS_MAX_CRAWL_DELAY={self.max_delay:g}"
            )
        if kind is not Readiness.READY:
            policy_file = next(
                (f for f in self.files if state.file(f).availability is Availability.UNREACHABLE), ROBOTS_TXT
            )
            file = state.file(policy_file)
            return policy_file.unreachable_reason, (
                f"{origin}{policy_file.path}: unreachable ({file.detail}): {policy_file.unreachable_means}"
            )
        robots = state.file(ROBOTS_TXT)
        if robots.value is None:
            return None, f"{robots_url}: unavailable ({robots.detail}): everything allowed"
        decision = robots.value.explain(url, agent)
        return (None if decision.allowed else "robots"), f"{robots_url}: {decision}"

    def crawl_delay(self, origin: str, agent: str) -> float | None:
        rules = self.origins[origin].rules
        return rules.crawl_delay(agent) if rules is not None else None

    def file_signals(self, url: str) -> tuple[TdmRule | None, tuple[dict[str, str], str | None]]:
        """What the origin's files say about using `url`: the matching
        tdmrep.json rule, and robots.txt's Content-Usage for it."""
        state = self.origins.get(request_origin(url))
        if state is None:
            return None, ({}, None)
        tdm_state = state.files.get(TDMREP.path)
        rules = tdm_state.value if tdm_state is not None else None
        robots = state.rules
        prefs = robots_usage(robots.content_usage(self.token), url) if robots is not None else ({}, None)
        return (tdm_file_rule(rules, url) if rules else None), prefs

    def sitemaps(self, origin: str) -> list[str]:
        rules = self.origins[origin].rules
        return list(rules.sitemaps) if rules is not None else []

    async def process_request(self, request: Request) -> None:
        if request.meta.get("robots_txt"):
            return
        origin = request_origin(request.url)
        kind, info = await self.policy(origin)
        rules = self.origins[origin].rules
        if kind is Readiness.READY and (rules is None or rules.allowed(request.url, self.token)):
            self.stats.inc_value("robots/allowed")
            return
        self.skip(request.url, origin, kind, info)
        raise Skipped("robots.txt")

    def skip(self, url: str, origin: str, kind: Readiness, info: Any) -> None:
        """Record a URL skipped because of its origin's policy files."""
        reason, detail = self.decide(url, origin, kind, info, self.token)
        assert reason is not None
        if reason == "robots":
            self.stats.inc_value("robots/disallowed")
        self.audit.skip(reason, url, detail)

    def _request(self, url: str, origin: str) -> Request:
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

    async def _fetch(self, origin: str, policy_file: PolicyFile) -> None:
        url = f"{origin}{policy_file.path}"
        status: int | None = None
        body = b""
        detail = ""
        challenged = False
        try:
            for hop in range(MAX_REDIRECTS + 1):
                response: Response = await self.crawler.engine.download_async(self._request(url, origin))
                location = response.headers.get(b"Location")
                status = response.status
                if 300 <= status < 400 and location:
                    if hop == MAX_REDIRECTS:
                        detail = f"{status}, more than {MAX_REDIRECTS} redirects"
                        break
                    target = request_url(urljoin(response.url, location.decode("latin-1")), self.max_url_length)
                    if isinstance(target, Refused):
                        self.audit.skip(target.reason, target.url, f"{target.detail} ({status} from {url})")
                        status, detail = None, f"{status} to a URL that may not be requested ({target.reason})"
                        break
                    url = target
                    continue
                verdict = classify_response(status, plain_headers(response.headers), url, body=response.body)
                challenged = not verdict.is_content
                detail = f"{status}, {verdict.kind}: {verdict.evidence}" if challenged else str(status)
                if verdict.kind in ("challenge", "block"):
                    self.politeness.walled(urlsplit(url).hostname or "", verdict.kind, f"{verdict} at {url}")
                body = response.body
                break
        except Exception as exc:  # noqa: BLE001 - any failure to fetch means unreachable
            status = None
            detail = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        availability = classify(status, challenged=challenged)
        if url != f"{origin}{policy_file.path}" and availability is Availability.PARSED:
            detail += f" via {url}"
        value = policy_file.parse(body) if availability is Availability.PARSED else None
        self._settle(origin, policy_file, availability, value, detail)
        if self.shared is not None:
            self._share(origin, policy_file, body if availability is Availability.PARSED else None)
        delay = self.origins[origin].delay
        if policy_file is ROBOTS_TXT and delay is not None:
            detail += delay_note(delay)
        self.audit.record(
            policy_file.name,
            urlsplit(origin).hostname or "",
            f"{origin}{policy_file.path}",
            reason=availability.value,
            detail=detail,
            status=status,
            digest=sha1_digest(body) if availability is Availability.PARSED else None,
        )

    def _settle(
        self, origin: str, policy_file: PolicyFile, availability: Availability, value: Any, detail: str
    ) -> None:
        state = self.origins[origin]
        file = state.file(policy_file)
        now = monotonic()
        label = f"{policy_file.path.rsplit('/', 1)[1]} {origin}{policy_file.path}"
        self.stats.inc_value(f"{policy_file.name}/fetch/{availability.value}")
        if availability is Availability.UNREACHABLE:
            file.failures += 1
            cached = file.availability is not None and file.availability is not Availability.UNREACHABLE
            if file.failures > self.retry_times and not cached:
                file.expires = math.inf
                plan = f"gave up after {file.failures} attempt{'s' if file.failures > 1 else ''}"
            else:
                wait = retry_delay(file.failures, self.retry_base, self.retry_ceiling)
                file.expires = now + wait
                plan = f"retry {file.failures} in {wait:g} s"
            if cached:
                logger.info(
                    "%s: unreachable (%s): the copy fetched earlier still applies; %s", label, escape(detail), plan
                )
            else:
                file.availability, file.value, file.detail = availability, None, detail
                logger.info(
                    "%s: unreachable (%s): %s; %s", label, escape(detail), policy_file.unreachable_means, plan
                )
        else:
            file.availability, file.value, file.detail = availability, value, detail
            file.failures = 0
            file.expires = now + self.ttl
            if policy_file is ROBOTS_TXT:
                self._robots_settled(origin, state, label)
            elif availability is Availability.UNAVAILABLE:
                logger.info("%s: unavailable (%s): no reservation for the origin", label, escape(detail))
            else:
                logger.info("%s: parsed (%s); %d rules", label, escape(detail), len(value))
        file.fetching = False
        waiters, state.waiters = state.waiters, []
        for waiter in waiters:
            waiter.callback(None)
        self.crawler.signals.send_catch_log(robots_resolved, origin=origin)

    def _robots_settled(self, origin: str, state: OriginState, label: str) -> None:
        file = state.file(ROBOTS_TXT)
        rules = file.value
        state.delay = rules.crawl_delay(self.token) if rules is not None else None
        if file.availability is Availability.UNAVAILABLE:
            logger.info("%s: unavailable (%s): everything allowed", label, escape(file.detail))
        else:
            delay = f"crawl-delay {state.delay:g} s" if state.delay is not None else "no crawl-delay"
            logger.info("%s: parsed (%s); %s for %s", label, escape(file.detail), delay, self.token)
        host = urlsplit(origin).hostname or ""
        if state.delay is not None and state.delay > self.max_delay:
            logger.info(
                "%s: crawl-delay %g s exceeds ROBOTS_MAX_CRAWL_DELAY=%g: origin skipped",
                label, state.delay, self.max_delay,
            )
        else:
            self.politeness.set_floor(host, origin, state.delay or 0.0)
