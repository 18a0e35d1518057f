"""The `web` spider: seeds in, documents and in-scope links out."""

from __future__ import annotations

import logging
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from functools import cached_property
from typing import Any
from urllib.parse import urlsplit

import scrapy
from scrapy import signals
from scrapy.exceptions import DownloadCancelledError, ResponseDataLossError, StopDownload
from scrapy.http import HtmlResponse, Response, TextResponse
from scrapy.utils.misc import load_object
from twisted.python.failure import Failure

from crawler.denylist import DenyList, crawl_denylist, denylist_path
from crawler.denylist import load as load_denylist
from crawler.encodings import web_encoding
from crawler.errors import ConfigError
from crawler.extensions.audit import Audit, Skipped, audit
from crawler.headers import header_list, sha1_digest
from crawler.hooks import page_settled, robots_resolved
from crawler.job import crawl_id
from crawler.language import identify
from crawler.limits import query_key, trap
from crawler.middlewares.robots import RobotsMiddleware
from crawler.page import HTML_TYPES, links, markup_problem, media_type, parse_html
from crawler.privacy import (
    compile_patterns,
    keep_body,
    phone_regions,
    pii_counts,
    privacy_warnings,
    redact,
    stored_headers,
)
from crawler.pseudonyms import key_path, privacy_key
from crawler.reasons import escape
from crawler.resolver import PrivateAddressError
from crawler.responses import binary_problem
from crawler.signals import Decision, Signals, decide, page_signals
from crawler.sitemaps import read_sitemap
from crawler.text import extractor_name
from crawler.urls import (
    Recent,
    Refused,
    Scope,
    read_seeds,
    redact_userinfo,
    registered_domain,
    request_url,
    url_host,
)
from crawler.workers import unseen

logger = logging.getLogger(__name__)

RECENT_LINKS = 100_000  # links remembered as followed, to skip repeats cheaply


class WebSpider(scrapy.Spider):
    """Crawl from seeds (`-a seeds=FILE|URL,URL`) within a scope
    (`-a scope=domain|host|any`), storing every HTML or plain-text page."""

    name = "web"

    def __init__(self, seeds: str | None = None, scope: str = "domain", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if not seeds:
            raise ConfigError("no seeds given: pass -a seeds=FILE or -a seeds=URL[,URL...]")
        try:
            self.seeds, problems, source = read_seeds(seeds)
        except OSError as exc:
            raise ConfigError(
                f"cannot read seeds file {seeds!r} ({exc.strerror or exc}): "
                "pass -a seeds=FILE with a readable file, or -a seeds=URL[,URL...]"
            ) from None
        for problem in problems:
            logger.warning(
                "Seed skipped: %s line %d is not a crawlable http(s) URL: %s",
                source, problem.line, escape(redact_userinfo(problem.text) or problem.text),
            )
        if not self.seeds:
            raise ConfigError(f"no valid http(s) URL in the {source}: give one URL per line")
        try:
            self.scope = Scope.from_seeds(scope, self.seeds)
        except ValueError as exc:
            raise ConfigError(f"-a scope={scope}: {exc}") from None

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> WebSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        settings = crawler.settings
        spider.crawl_id = crawl_id(crawler)
        try:
            spider.extractor = load_object(settings.get("TEXT_EXTRACTOR"))
        except (ImportError, NameError, ValueError, AttributeError) as exc:
            raise ConfigError(
                f"TEXT_EXTRACTOR={settings.get('TEXT_EXTRACTOR')!r} cannot be loaded ({exc}): "
                "name a callable (html, tree) -> str by its import path"
            ) from None
        spider.extractor_name = extractor_name(spider.extractor)
        spider.purpose = settings.get("CRAWL_PURPOSE")
        # A bad deny list, or a key forgotten skips cannot be recorded with, stops the crawl here with
        # one line; the frontier reads the list again once the crawl holds its shard locks.
        if load_denylist(denylist_path(settings)):
            privacy_key(key_path(settings))
        spider.redacting = settings.getbool("PRIVACY_REDACT")
        spider.patterns = compile_patterns(settings.getdict("PRIVACY_PATTERNS"))
        body_setting = settings.get("PRIVACY_KEEP_BODY")
        body_setting = None if body_setting is None else settings.getbool("PRIVACY_KEEP_BODY")
        spider.keep_body = keep_body(body_setting, spider.purpose)
        for message in privacy_warnings(spider.redacting, body_setting, spider.purpose):
            logger.warning("Less private setting: %s", message)
        spider.token = settings.get("ROBOTSTXT_USER_AGENT")
        spider.follow_rel_nofollow = settings.getbool("SIGNALS_FOLLOW_REL_NOFOLLOW")
        spider.sitemap_caps = (
            settings.getint("SITEMAPS_MAX_BYTES"),
            settings.getint("SITEMAPS_MAX_URLS"),
            settings.getint("SITEMAPS_MAX_DEPTH"),
        )
        spider.sitemaps_enabled = settings.getbool("SITEMAPS_ENABLED")
        spider.kept_types = frozenset(t.lower() for t in settings.getlist("LIMITS_CONTENT_TYPES"))
        spider.max_url_length = settings.getint("URLLENGTH_LIMIT")
        spider.max_depth = settings.getint("DEPTH_LIMIT")
        spider.max_links = settings.getint("LIMITS_LINKS_PER_PAGE")
        spider.max_tags = settings.getint("LIMITS_HTML_TAGS")
        spider.max_variants = settings.getint("LIMITS_QUERY_VARIANTS")
        spider.trap_limits = {
            "max_segments": settings.getint("LIMITS_PATH_SEGMENTS"),
            "max_repeats": settings.getint("LIMITS_REPEATED_SEGMENTS"),
            "latest_year": time.gmtime().tm_year + 1,
        }
        spider._variants: Counter[int] = Counter()
        spider._followed = Recent(RECENT_LINKS)
        crawler.signals.connect(spider._headers_received, signals.headers_received)
        spider._sitemap_origins: set[str] = set()
        crawler.signals.connect(spider._origin_resolved, robots_resolved)
        return spider

    @cached_property
    def audit(self) -> Audit:
        return audit(self.crawler)

    @cached_property
    def denylist(self) -> DenyList:
        return crawl_denylist(self.crawler)

    @cached_property
    def robots(self) -> RobotsMiddleware:
        found = self.crawler.get_downloader_middleware(RobotsMiddleware)
        assert found is not None
        return found

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for url in self.seeds:
            self._followed.add(hash(url))
            yield self._page(url)

    def _page(self, url: str, depth: int = 0) -> scrapy.Request:
        """A page request, `depth` link hops from a seed (the spider counts
        them itself: Scrapy's DepthMiddleware is off)."""
        meta = {"depth": depth} if depth else None
        return scrapy.Request(url, callback=self.parse, errback=self.failed, meta=meta)

    def _headers_received(self, headers: Any, request: scrapy.Request, **kwargs: Any) -> None:
        """Cut a page off once its headers show a type the crawl does not keep."""
        if request.callback == self.parse:
            mtype = media_type(headers.get(b"Content-Type"))
            if mtype and mtype not in self.kept_types:
                raise StopDownload(fail=False)

    def failed(self, failure: Failure) -> None:
        """Record why a request produced no response (a component that
        dropped it on purpose has recorded it already)."""
        error = failure.value
        request = failure.request  # type: ignore[attr-defined]
        self._settle(request)
        if isinstance(error, Skipped):
            return
        detail = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
        if isinstance(error, ResponseDataLossError):
            # the reasons hold the connection's end too; the overlong check names its evidence
            evidence = [str(r.value) for r in getattr(error.__cause__, "reasons", ()) if "declared" in str(r.value)]
            detail += f": the body does not match its declared length ({evidence[0] if evidence else 'it ended early'})"
        if isinstance(error, PrivateAddressError):
            reason = "private-address"
        elif isinstance(error, DownloadCancelledError) or "DOWNLOAD_MAXSIZE" in str(error):
            reason = "size"  # Scrapy cancels a download only past DOWNLOAD_MAXSIZE
        else:
            reason = "error"
        self.audit.skip(reason, request.url, detail)

    def parse(self, response: Response) -> Iterator[Any]:
        """Links first, then the document: by the time a document reaches a
        shard, the links it led to are in the frontier."""
        stored = False
        try:
            for output in self._parse(response):
                stored = stored or isinstance(output, dict)
                yield output
        finally:
            if not stored:
                self._settle(response.request)

    def _settle(self, request: scrapy.Request | None) -> None:
        """Tell the frontier this URL needs nothing more (a stored document's
        URL is done once its shard is published)."""
        if request is not None:
            self.crawler.signals.send_catch_log(page_settled, request=request)

    def _parse(self, response: Response) -> Iterator[Any]:
        if response.status >= 300:
            self.audit.skip("status", response.url, f"HTTP {response.status}: not stored")
            return
        mtype = media_type(response.headers.get(b"Content-Type"))
        is_html = mtype in HTML_TYPES or (not mtype and isinstance(response, HtmlResponse))
        if mtype and mtype not in self.kept_types:
            self.audit.skip("type", response.url, f"content type {mtype} is not in LIMITS_CONTENT_TYPES")
        elif (garbage := binary_problem(response.body)) is not None:
            self.audit.skip("error", response.url, garbage)
        elif isinstance(response, TextResponse) and web_encoding(response.encoding) is None:
            self.audit.skip("error", response.url, f"charset {response.encoding} is not an encoding of the web "
                            "(WHATWG Encoding Standard): not decoded")
        elif is_html and (costly := markup_problem(response.body, self.max_tags)) is not None:
            self.audit.skip("size", response.url, costly)
        elif is_html:
            assert isinstance(response, TextResponse)
            html = response.text
            tree = parse_html(html)
            metas = [(m.get("name"), m.get("content")) for m in tree.iter("meta") if m.get("name")] if tree is not None else []
            decision, signals = self._signals(response, metas)
            if tree is not None:
                if decision.follow:
                    yield from self._follow(response, tree)
                else:
                    self.audit.skip("nofollow", response.url, f"{decision.follow_detail}: its links are not followed")
            if decision.store is None:
                yield from self._store(response, self.extractor(html, tree), self.extractor_name, signals)
        else:
            decision, signals = self._signals(response, [])
            if decision.store is None:
                text = response.text if isinstance(response, TextResponse) else ""
                yield from self._store(response, text, "plain" if text else "none", signals)

    def _store(self, response: Response, text: str, extractor: str, signals: Signals) -> Iterator[dict[str, Any]]:
        """The page's document, unless its text holds a text erased on request."""
        forgotten = self.denylist.forbids_text(text) if self.denylist else None
        if forgotten is not None:
            self.audit.skip("forgotten", response.url, forgotten)
            return
        yield self._document(response, text, extractor, signals)

    def _signals(self, response: Response, metas: list[tuple[str, str]]) -> tuple[Decision, Signals]:
        headers = {
            name.decode().lower(): [v.decode("latin-1") for v in response.headers.getlist(name)]
            for name in _SIGNAL_HEADERS
            if name in response.headers
        }
        tdm_rule, robots_prefs = self.robots.file_signals(response.url)
        signals = page_signals(self.token, headers, metas, tdm_rule, robots_prefs)
        decision = decide(self.purpose, signals)
        if decision.store is not None:
            self.audit.skip(decision.store, response.url, f"{decision.store_detail} (purpose {self.purpose})")
        return decision, signals

    def _follow(self, response: Response, tree: Any) -> Iterator[scrapy.Request]:
        """Requests for the page's links the crawl may follow. A link followed
        (or ruled out for good) recently is passed over at once: most links
        of a site repeat on every page, and a Request costs far more than a
        set lookup. At most LIMITS_LINKS_PER_PAGE links are considered
        (followed, or skipped with a reason); the links beyond that cap, or
        all of them beyond DEPTH_LIMIT, are recorded once for the page, with
        their count, so one page cannot flood the log and the audit trail.
        With other workers in the crawl, the links they already queued are
        passed over too, asked of the shared frontier at once, before the
        scope and trap checks: each worker meets each link of a site once,
        and most of them another worker has queued (and checked) already."""
        depth = response.meta.get("depth", 0) + 1
        found = links(tree, response.url)
        if self.max_depth and depth > self.max_depth:
            count = sum(1 for _ in found)
            if count:
                self.audit.skip("cap", response.url, f"{count} links on the page not followed: "
                                f"depth {depth} is beyond DEPTH_LIMIT={self.max_depth}")
            return
        considered = 0
        followed = []
        for link in found:
            if self.max_links and considered >= self.max_links:
                count = 1 + sum(1 for _ in found)
                self.audit.skip("cap", response.url, f"{count} links on the page not followed: "
                                f"beyond the LIMITS_LINKS_PER_PAGE={self.max_links} taken")
                break
            url = request_url(link.url, self.max_url_length)
            if isinstance(url, Refused):
                considered += self._refused(url)
                continue
            key = hash(url)
            if key in self._followed:
                continue
            considered += 1
            if link.nofollow and not self.follow_rel_nofollow:
                self.audit.skip("nofollow", url, f'rel="nofollow" on its link from {response.url}')
            else:
                self._followed.add(key)
                followed.append(url)
        for url in unseen(self.crawler, followed):
            if self._allowed(url):
                yield self._page(url, depth)

    def _allowed(self, url: str) -> bool:
        """Whether a URL is in scope and no trap (skips are recorded)."""
        if not self.scope.allows(url_host(url)):
            self.audit.skip("scope", url, f"outside scope {self.scope.kind} of the seeds")
            return False
        reason = self._trap(url)
        if reason is not None:
            self.audit.skip("trap", url, reason)
            return False
        return True

    def _trap(self, url: str) -> str | None:
        reason = trap(url, **self.trap_limits)
        if reason is None and "?" in url and self.max_variants:
            path = query_key(url)
            key = hash(path)
            self._variants[key] += 1
            if self._variants[key] > self.max_variants:
                reason = f"more than LIMITS_QUERY_VARIANTS={self.max_variants} query strings for {path}"
        return reason

    def _canonical(self, link: str) -> str | None:
        """The canonical URL of a link, or None (a refusal is recorded)."""
        checked = request_url(link, self.max_url_length)
        if isinstance(checked, Refused):
            self._refused(checked)
            return None
        return checked

    def _refused(self, checked: Refused) -> bool:
        """Record a link that may not be requested (credentials, too long);
        one that is no http(s) URL at all (`mailto:`, `javascript:`, ...) is
        passed over silently. Whether it was recorded."""
        if checked.reason == "invalid-url":
            return False
        self.audit.skip(checked.reason, checked.url, checked.detail)
        return True

    def _in_scope(self, link: str) -> str | None:
        """The canonical URL of a link the crawl may follow, or None."""
        url = self._canonical(link)
        return url if url is not None and self._allowed(url) else None

    def _origin_resolved(self, origin: str, **kwargs: Any) -> None:
        """Schedule the sitemaps a newly fetched robots.txt lists, once per origin."""
        if not self.sitemaps_enabled or origin in self._sitemap_origins:
            return
        if self.robots.origins[origin].rules is None:
            return
        self._sitemap_origins.add(origin)
        for location in self.robots.sitemaps(origin):
            url = self._in_scope(location)
            if url is not None:
                self.crawler.engine.crawl(
                    scrapy.Request(url, callback=self.parse_sitemap, errback=self.failed, meta={"sitemap_depth": 1})
                )

    def parse_sitemap(self, response: Response) -> Iterator[scrapy.Request]:
        try:
            yield from self._parse_sitemap(response)
        finally:
            self._settle(response.request)

    def _parse_sitemap(self, response: Response) -> Iterator[scrapy.Request]:
        if response.status >= 300:
            self.audit.skip("status", response.url, f"HTTP {response.status}: sitemap not read")
            return
        max_bytes, max_urls, max_depth = self.sitemap_caps
        depth = response.meta["sitemap_depth"]
        hops = response.meta.get("depth", 0) + 1  # link hops of what this sitemap lists
        sitemap = read_sitemap(response.body, max_bytes, max_urls)
        if sitemap.problem:
            reason = "size" if not sitemap.kind else "cap"
            self.audit.skip(reason, response.url, f"sitemap: {sitemap.problem}")
        self.crawler.stats.inc_value("sitemaps/read")
        for location in sitemap.locations:
            url = self._in_scope(location)
            if url is None:
                continue
            if sitemap.kind == "urlset":
                yield self._page(url, hops)
            elif depth >= max_depth:
                self.audit.skip("cap", url, f"sitemap nested deeper than SITEMAPS_MAX_DEPTH={max_depth}")
            else:
                yield scrapy.Request(url, callback=self.parse_sitemap, errback=self.failed,
                                     meta={"sitemap_depth": depth + 1, "depth": hops})

    def _document(self, response: Response, text: str, extractor: str, signals: Signals) -> dict[str, Any]:
        request = response.request
        assert request is not None
        redirects = response.meta.get("redirect_urls")
        host = urlsplit(response.url).hostname or ""
        body = response.body
        language, score = identify(text)
        pii = None
        if self.redacting:
            text, counts = redact(text, phone_regions(host, language), self.patterns)
            pii = pii_counts(counts, [name for name, _ in self.patterns])
        return {
            "id": f"<urn:uuid:{uuid.uuid4()}>",
            "crawl_id": self.crawl_id,
            "url": response.url,
            "requested_url": redirects[0] if redirects else request.url,
            "status": response.status,
            "fetch_time": time.time_ns() // 1000,
            "host": host,
            "registered_domain": registered_domain(host),
            "depth": response.meta.get("depth", 0),
            "content_type": _header(response, b"Content-Type"),
            "charset": web_encoding(response.encoding) if isinstance(response, TextResponse) else None,
            "headers": stored_headers(header_list(response.headers)),
            "body": body if self.keep_body else None,
            "digest": sha1_digest(body),
            "text": text,
            "extractor": extractor,
            "purpose": self.purpose,
            "robots_directives": sorted(signals.directives),
            "tdm_reservation": signals.tdm_reservation,
            "tdm_policy": signals.tdm_policy,
            "tdm_source": signals.tdm_source,
            "content_usage": signals.usage_text,
            "language": language,
            "language_score": score,
            "pii": pii,
        }


_SIGNAL_HEADERS = (b"X-Robots-Tag", b"tdm-reservation", b"tdm-policy", b"Content-Usage")


def _header(response: Response, name: bytes) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value is not None else None
