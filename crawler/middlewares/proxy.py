"""Scrapy's HTTP proxy middleware, with the environment read once.

Scrapy reads the proxies (`http_proxy`, `https_proxy`) from the environment
once, when the crawl starts, but asks urllib for every request whether its
host is exempt (`no_proxy`), and urllib reads the whole environment again
each time: a scan of every variable for every request, ~4 % of a crawl's
CPU when a proxy is set. Here the exemptions are read once as well, and each
host's answer is kept. A request that names its own proxy (`meta['proxy']`)
and a crawl without a proxy take Scrapy's path unchanged."""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING
from urllib.request import getproxies_environment, proxy_bypass_environment

from scrapy.downloadermiddlewares.httpproxy import HttpProxyMiddleware
from scrapy.utils.httpobj import urlparse_cached

if TYPE_CHECKING:
    from scrapy import Request


class ProxyMiddleware(HttpProxyMiddleware):
    def __init__(self, auth_encoding: str | None = "latin-1") -> None:
        super().__init__(auth_encoding)
        environment = getproxies_environment()
        self._exempt = lru_cache(maxsize=65536)(lambda host: bool(proxy_bypass_environment(host, environment)))

    def process_request(self, request: Request) -> None:
        if "proxy" in request.meta or not self.proxies:
            return super().process_request(request)
        parsed = urlparse_cached(request)
        scheme = parsed.scheme
        # as Scrapy decides it: no_proxy applies to http(s) only
        if scheme in self.proxies and (
            scheme not in {"http", "https"} or (parsed.hostname and not self._exempt(parsed.hostname))
        ):
            creds, proxy_url = self.proxies[scheme]
            self._set_proxy_and_creds(request, proxy_url, creds, scheme)
        else:
            self._set_proxy_and_creds(request, None, None, None)
        return None
