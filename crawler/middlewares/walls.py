"""Never past a wall: responses that are login walls, paywalls, challenges,
blocks or rate limits are never stored nor followed, and the host is paused
or given up as `crawler.backoff` says. Credentials are never sent.

Runs after decompression and before meta-refresh redirects are followed
(order 585), so interstitials that refresh themselves are caught first.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from crawler.backoff import retry_after
from crawler.extensions.audit import Skipped, audit
from crawler.extensions.politeness import politeness
from crawler.handlers import HostPaused
from crawler.headers import plain_headers
from crawler.walls import classify, login_url

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response

_SAFE_METHODS = (b"GET", b"HEAD", "GET", "HEAD")


class WallsMiddleware:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.retry_times = crawler.settings.getint("BACKOFF_RETRY_TIMES")
        self.politeness = politeness(crawler)
        self.audit = audit(crawler)
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> WallsMiddleware:
        return cls(crawler)

    def process_request(self, request: Request) -> None:
        if request.method not in _SAFE_METHODS:
            self.audit.skip("method", request.url, f"{request.method} is never sent")
            raise Skipped("method")
        for name in (b"Authorization", b"Cookie"):
            request.headers.pop(name, None)
        redirects = request.meta.get("redirect_urls")
        if redirects:
            reason = login_url(request.url)
            if reason:
                self.stats.inc_value("walls/login")
                self.audit.skip("login", redirects[0], f"redirects to {reason}: not followed")
                raise Skipped("login")

    def process_exception(self, request: Request, exception: Exception) -> Request | None:
        if isinstance(exception, HostPaused):
            self.stats.inc_value("walls/held_back")
            return request.replace(dont_filter=True)
        return None

    def process_response(self, request: Request, response: Response) -> Request | Response:
        if request.meta.get("robots_txt"):
            return response  # the robots layer judges its own fetches
        host = self.crawler.engine.downloader.get_slot_key(request)
        headers = plain_headers(response.headers)
        verdict = classify(
            response.status, headers, response.url, request.meta.get("redirect_urls", ()), response.body
        )
        if verdict.is_content:
            if response.status >= 500:
                self.politeness.server_error(host, response.status)
            elif response.status < 400:
                self.politeness.succeeded(host)
            return response
        self.stats.inc_value(f"walls/{verdict.kind}")
        evidence = f"{verdict.evidence} ({verdict.vendor})" if verdict.vendor else verdict.evidence
        requested = request.meta.get("redirect_urls", [request.url])[0]
        if verdict.kind in ("challenge", "block"):
            self.politeness.walled(host, verdict.kind, f"{evidence} at {response.url}")
        elif verdict.kind == "ratelimit":
            wait = retry_after(headers.get("retry-after"), time.time())
            self.politeness.rate_limited(host, wait, f"{evidence} at {response.url}")
            retries = request.meta.get("ratelimit_retries", 0)
            if retries < self.retry_times:
                self.stats.inc_value("walls/ratelimit/retried")
                retry = request.replace(dont_filter=True)
                retry.meta["ratelimit_retries"] = retries + 1
                return retry
            evidence += f"; given up after {retries} retries"
        self.audit.skip(verdict.kind, requested, evidence)
        raise Skipped(verdict.kind)
