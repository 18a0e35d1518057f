"""The HTTP download handler: Scrapy's own, which also

- restarts the host's delay from the moment the previous response began to
  arrive (Scrapy counts from when a request leaves its queue), so that
  network jitter can only lengthen the gap a site sees between two requests,
  never shorten it: the site received the previous request before it answered.
  That moment is taken when the response headers are received, not
  reckoned back from Scrapy's latency, whose start lags the one measured here
  by however long the process was busy: reckoned, a gap came out up to 60 ms
  short on a loaded machine;
- reports the moment each request is actually sent, after its host's delay,
  so the audit trail holds the times a site owner sees in their own logs;
- sends nothing to a host that a response of another request paused while
  this one waited for its delay;
- with a shared frontier, asks it just before sending (`start`), so that the
  host's gap holds across all workers, and a request whose host lease this
  worker lost is not sent; a robots.txt redirect to another host borrows
  that host's lease for the one request;
- drops a connection whose response headers exceed MAX_HEADER_BYTES;
- fails a response whose status is not an HTTP status or whose body is not
  as long as its Content-Length (`crawler.responses`), so that it is an
  `error` everywhere, never a document.

The header cap reaches into Scrapy's HTTP/1.1 client the way Scrapy itself
swaps in its lenient parser; pyproject.toml pins the Scrapy minor version."""

from __future__ import annotations

import time
from time import monotonic
from typing import TYPE_CHECKING, Any

from scrapy import signals
from scrapy.core.downloader.handlers.http11 import (
    HTTP11DownloadHandler,
    _LenientHTTP11ClientFactory,
    _LenientHTTP11ClientProtocol,
    _LenientHTTPClientParser,
)
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet import task
from twisted.python.failure import Failure
from twisted.web._newclient import ResponseFailed, _DataLoss

from crawler.errors import WorkerFenced
from crawler.extensions.politeness import politeness
from crawler.hooks import request_sent
from crawler.responses import length_problem, status_problem
from crawler.workers import worker_frontier

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response

    from crawler.sharedfrontier import SharedFrontier


#: The request meta key of when its response headers arrived (monotonic);
#: never stored in a frontier.
RESPONSE_BEGAN = "response_began"

#: Response headers beyond this many bytes end the connection: a server that
#: streams headers without end must not exhaust memory before the timeout.
MAX_HEADER_BYTES = 256 * 1024


class _CappedHeadersParser(_LenientHTTPClientParser):
    """Also fails a body followed by more bytes than its framing declared
    (Content-Length or the last chunk), as Twisted fails one that stops
    short: either way the body is not what the server said it sent. Bytes
    that arrive in a later read than the body's end are not seen here; the
    connection is not reused after them."""

    _header_bytes = 0
    _overlong = 0

    def lineReceived(self, line: bytes) -> None:
        self._header_bytes += len(line) + 2
        if self._header_bytes > MAX_HEADER_BYTES:
            self.transport.stopProducing()  # drops the connection: the request fails
            return
        super().lineReceived(line)

    def _finished(self, rest: bytes) -> None:
        if self.bodyDecoder is not None and rest.strip():
            self._overlong = len(rest)
        super()._finished(rest)

    def connectionLost(self, reason: Any = None) -> None:
        if self._overlong and self.bodyDecoder is not None:
            self.bodyDecoder = None
            loss = Failure(_DataLoss(f"{self._overlong} bytes beyond the declared end of the body"))
            self.response._bodyDataFinished(Failure(ResponseFailed([loss], self.response)))
            return
        super().connectionLost(reason)


class _CappedHeadersProtocol(_LenientHTTP11ClientProtocol):
    def request(self, request: Any) -> Any:
        result = super().request(request)
        self._parser.__class__ = _CappedHeadersParser  # as Scrapy swaps in its lenient parser
        return result


class _CappedHeadersFactory(_LenientHTTP11ClientFactory):
    def buildProtocol(self, addr: Any) -> _CappedHeadersProtocol:
        return _CappedHeadersProtocol(self._quiescentCallback)


class HostPaused(Exception):
    """A request reached the network while its host was paused: it goes back
    to the frontier instead."""


class LeaseLost(HostPaused):
    """The shared frontier no longer leases the host to this worker: the
    request was not sent."""


class InvalidResponse(Exception):
    """The server's answer is not a valid HTTP response; the message says why."""


def _problem(response: Response) -> str | None:
    problem = status_problem(response.status)
    if (problem is None and response.status not in (204, 304) and "download_stopped" not in response.flags
            and b"Transfer-Encoding" not in response.headers):
        problem = length_problem(response.headers.get(b"Content-Length"), len(response.body))
    return problem


class PoliteHTTPHandler(HTTP11DownloadHandler):
    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self._pool._factory = _CappedHeadersFactory
        # Twisted keeps idle connections per (scheme, host, port) it connects
        # to, and behind a proxy that is the proxy, for every site. Scrapy caps
        # them at CONCURRENT_REQUESTS_PER_DOMAIN (1 here), so all but one
        # request in flight opened a new connection to the proxy and closed it
        # after: a TCP handshake and Twisted's endpoint set-up for each page.
        # Straight to the sites, one request at a time per host keeps at most
        # one connection per host either way.
        self._pool.maxPersistentPerHost = crawler.settings.getint("CONCURRENT_REQUESTS")
        self._crawler = crawler
        self._signals = crawler.signals
        self._last_sent: dict[str, float] = {}
        crawler.signals.connect(self._headers_received, signals.headers_received)

    async def download_request(self, request: Request) -> Response:
        key = request.meta.get("download_slot") or urlparse_cached(request).hostname or ""
        if not request.meta.get("robots_txt") and politeness(self._crawler).hold(key) is not None:
            raise HostPaused(key)
        shared = worker_frontier(self._crawler)
        borrowed = False
        if shared is not None:
            gap, borrowed = await self._shared_start(shared, key, request)
        sent_at = time.time()
        previous = self._last_sent.get(key)
        self._last_sent[key] = sent_at
        if shared is None:
            gap = sent_at - previous if previous is not None else None
        try:
            response = await super().download_request(request)
            problem = _problem(response)
            if problem is not None:
                raise InvalidResponse(problem)
        except Exception as error:
            self._restart_delay(key, monotonic(), shared, borrowed)
            self._signals.send_catch_log(
                request_sent, request=request, response=None, error=error, sent_at=sent_at, gap=gap
            )
            raise
        self._restart_delay(key, request.meta.pop(RESPONSE_BEGAN, None) or monotonic(), shared, borrowed)
        self._signals.send_catch_log(
            request_sent, request=request, response=response, error=None, sent_at=sent_at, gap=gap
        )
        return response

    def _headers_received(self, request: Request, **kwargs: Any) -> None:
        request.meta[RESPONSE_BEGAN] = monotonic()

    async def _shared_start(self, shared: SharedFrontier, key: str, request: Request) -> tuple[float | None, bool]:
        """Wait until the shared frontier lets the request start; the gap
        since the previous start on the host, across workers, and whether
        the host's lease was borrowed for this request."""
        from twisted.internet import reactor  # the one Scrapy installed

        if key in shared.fresh:  # the first request of a lease just claimed: already counted as started
            return shared.fresh.pop(key), False
        host_politeness = politeness(self._crawler)
        while True:
            answered = shared.answered.get(key)
            try:
                verdict = shared.start(key, host_politeness.gap(key),
                                       monotonic() - answered if answered is not None else None,
                                       borrow=bool(request.meta.get("robots_txt")))
            except WorkerFenced:
                raise LeaseLost(key) from None
            if verdict.refused:
                raise LeaseLost(key)
            if verdict.ok:
                return verdict.gap, verdict.borrowed
            await maybe_deferred_to_future(task.deferLater(reactor, min(verdict.wait, 1.0)))

    def _restart_delay(self, key: str, answered: float, shared: SharedFrontier | None = None,
                       borrowed: bool = False) -> None:
        slot = self._crawler.engine.downloader.slots.get(key)
        if slot is not None:
            slot.lastseen = max(slot.lastseen, answered)
        if shared is not None:
            shared.answered[key] = answered
            if borrowed:
                host_politeness = politeness(self._crawler)
                shared.release(key, host_politeness.gap(key), monotonic() - shared.answered.pop(key),
                               host_politeness.pause_left(key), host_politeness.export_state(key))
