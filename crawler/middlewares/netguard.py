"""The network guard on every request: a URL whose host is, literally, an
address the crawler must not connect to is refused before any connection
(DNS names are checked once resolved, by `crawler.resolver`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from scrapy.utils.httpobj import urlparse_cached

from crawler.extensions.audit import Skipped, audit
from crawler.netguard import host_refusal, networks

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler


class NetguardMiddleware:
    def __init__(self, crawler: Crawler) -> None:
        self.allowed = networks(crawler.settings.getlist("NETGUARD_ALLOWED_NETWORKS"))  # checked at start
        self.audit = audit(crawler)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> NetguardMiddleware:
        return cls(crawler)

    def refusal(self, request: Request) -> str | None:
        """Why the request may not be sent, by its host's literal form."""
        return host_refusal(urlparse_cached(request).hostname or "", self.allowed)

    def process_request(self, request: Request) -> None:
        reason = self.refusal(request)
        if reason is not None:
            self.audit.skip("private-address", request.url, f"{reason}: never connected to")
            raise Skipped("private-address")
