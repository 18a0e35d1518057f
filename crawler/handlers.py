"""The HTTP download handler: Scrapy's own, which also

- restarts the host's delay from the moment the previous response began to
  arrive (Scrapy counts from when a request leaves its queue), so that
  network jitter can only lengthen the gap a site sees between two requests,
  never shorten it: the site received the previous request before it answered;
- reports the moment each request is actually sent, after its host's delay,
  so the audit trail holds the times a site owner sees in their own logs;
- sends nothing to a host that a response of another request paused while
  this one waited for its delay."""

from __future__ import annotations

import time
from time import monotonic
from typing import TYPE_CHECKING

from scrapy.core.downloader.handlers.http11 import HTTP11DownloadHandler
from scrapy.utils.httpobj import urlparse_cached

from crawler.extensions.politeness import politeness
from crawler.hooks import request_sent

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response



class HostPaused(Exception):
    """A request reached the network while its host was paused: it goes back
    to the frontier instead."""


class PoliteHTTPHandler(HTTP11DownloadHandler):
    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self._crawler = crawler
        self._signals = crawler.signals
        self._last_sent: dict[str, float] = {}

    async def download_request(self, request: Request) -> Response:
        key = request.meta.get("download_slot") or urlparse_cached(request).hostname or ""
        if not request.meta.get("robots_txt") and politeness(self._crawler).hold(key) is not None:
            raise HostPaused(key)
        sent_at, started = time.time(), monotonic()
        previous = self._last_sent.get(key)
        self._last_sent[key] = sent_at
        gap = sent_at - previous if previous is not None else None
        try:
            response = await super().download_request(request)
        except Exception as error:
            self._restart_delay(key, monotonic())
            self._signals.send_catch_log(
                request_sent, request=request, response=None, error=error, sent_at=sent_at, gap=gap
            )
            raise
        self._restart_delay(key, started + request.meta.get("download_latency", monotonic() - started))
        self._signals.send_catch_log(
            request_sent, request=request, response=response, error=None, sent_at=sent_at, gap=gap
        )
        return response

    def _restart_delay(self, key: str, answered: float) -> None:
        slot = self._crawler.engine.downloader.slots.get(key)
        if slot is not None:
            slot.lastseen = max(slot.lastseen, answered)
