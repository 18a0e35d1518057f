"""The last check on every request, whatever brought it (the frontier, or the
robots layer's own fetches): a URL that may not be requested
(`crawler.urls.request_url`: credentials, too long, invalid) or whose host,
decoded, is an address the crawler must not connect to is refused before any
connection (DNS names are checked once resolved, by `crawler.resolver`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from scrapy.utils.httpobj import urlparse_cached

from crawler.extensions.audit import Skipped, audit
from crawler.netguard import host_refusal, networks
from crawler.urls import Refused, request_url

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler


class NetguardMiddleware:
    def __init__(self, crawler: Crawler) -> None:
        self.allowed = networks(crawler.settings.getlist("NETGUARD_ALLOWED_NETWORKS"))  # checked at start
        self.max_url_length = crawler.settings.getint("URLLENGTH_LIMIT")
        self.audit = audit(crawler)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> NetguardMiddleware:
        return cls(crawler)

    def refusal(self, request: Request) -> str | None:
        """Why the request may not be sent, by its host's literal form."""
        return host_refusal(urlparse_cached(request).hostname or "", self.allowed)

    def process_request(self, request: Request) -> None:
        checked = request_url(request.url, self.max_url_length)
        if isinstance(checked, Refused):
            self.audit.skip(checked.reason, checked.url, checked.detail)
            raise Skipped(checked.reason)
        reason = self.refusal(request)
        if reason is not None:
            self.audit.skip("private-address", checked, f"{reason}: never connected to")
            raise Skipped("private-address")
