"""DNS resolution that refuses private addresses: the check applies to the
address the crawler actually connects to, so a name that resolves (or
re-resolves) to loopback, a private network or cloud metadata is caught."""

from __future__ import annotations

import ipaddress
import urllib.request
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from scrapy.resolver import CachingThreadedResolver
from twisted.internet.error import DNSLookupError

from crawler.netguard import Network, networks, refusal

if TYPE_CHECKING:
    from collections.abc import Sequence

    from scrapy.crawler import Crawler
    from twisted.internet.base import ReactorBase
    from twisted.internet.defer import Deferred


class PrivateAddressError(DNSLookupError):
    """A name resolved to an address the crawler must not connect to."""


class GuardedResolver(CachingThreadedResolver):
    def __init__(self, reactor: ReactorBase, cache_size: int, timeout: float,
                 allowed: Sequence[Network], trusted: set[str]) -> None:
        super().__init__(reactor, cache_size, timeout)
        self.allowed = list(allowed)
        self.trusted = trusted

    @classmethod
    def from_crawler(cls, crawler: Crawler, reactor: ReactorBase) -> GuardedResolver:
        settings = crawler.settings
        cache_size = settings.getint("DNSCACHE_SIZE") if settings.getbool("DNSCACHE_ENABLED") else 0
        return cls(
            reactor, cache_size, settings.getfloat("DNS_TIMEOUT"),
            networks(settings.getlist("NETGUARD_ALLOWED_NETWORKS")), proxy_hosts(),
        )

    def getHostByName(self, name: str, timeout: Sequence[int] = ()) -> Deferred[str]:
        resolved = super().getHostByName(name, timeout)
        if name.lower() in self.trusted:
            return resolved
        return resolved.addCallback(self._check, name)

    def _check(self, address: str, name: str) -> Any:
        reason = refusal(ipaddress.ip_address(address), self.allowed)
        if reason is not None:
            raise PrivateAddressError(f"{name} resolves to a {reason}")
        return address


def proxy_hosts() -> set[str]:
    """Host names of the operator's HTTP proxies, which are trusted."""
    return {
        (urlsplit(url if "://" in url else f"http://{url}").hostname or "").lower()
        for scheme, url in urllib.request.getproxies().items()
        if scheme in ("http", "https")
    }
