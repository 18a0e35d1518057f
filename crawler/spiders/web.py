"""The `web` spider: seeds in, documents and in-scope links out."""

from __future__ import annotations

import base64
import hashlib
import logging
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from functools import cached_property
from typing import Any
from urllib.parse import urlsplit

import scrapy
from scrapy.http import HtmlResponse, Response, TextResponse
from scrapy.utils.misc import load_object

from crawler.errors import ConfigError
from crawler.headers import header_list
from crawler.job import crawl_id
from crawler.page import HTML_TYPES, TEXT_TYPES, links, media_type, parse_html
from crawler.extensions.ledger import Ledger, ledger
from crawler.reasons import escape
from crawler.text import Extractor, extractor_name
from crawler.urls import Scope, canonical_url, read_seeds, redact_userinfo, registered_domain, url_host

logger = logging.getLogger(__name__)


def sha1_digest(body: bytes) -> str:
    """`sha1:` + base32, the WARC / Common Crawl spelling of a payload digest."""
    return "sha1:" + base64.b32encode(hashlib.sha1(body).digest()).decode()  # noqa: S324


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
        return spider

    @cached_property
    def ledger(self) -> Ledger:
        return ledger(self.crawler)

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for url in self.seeds:
            yield scrapy.Request(url, callback=self.parse)

    def parse(self, response: Response) -> Iterator[Any]:
        mtype = media_type(response.headers.get(b"Content-Type"))
        if mtype in HTML_TYPES or (not mtype and isinstance(response, HtmlResponse)):
            assert isinstance(response, TextResponse)
            html = response.text
            tree = parse_html(html)
            yield self._document(response, self.extractor(html, tree), self.extractor_name)
            if tree is not None:
                yield from self._follow(response, tree)
        elif mtype in TEXT_TYPES and isinstance(response, TextResponse):
            yield self._document(response, response.text, "plain")
        else:
            self.ledger.skip("type", response.url, f"content type {mtype or 'unknown'} is not kept")

    def _follow(self, response: Response, tree: Any) -> Iterator[scrapy.Request]:
        for link in links(tree, response.url):
            url = canonical_url(link.url)
            if url is None:
                redacted = redact_userinfo(link.url)
                if redacted is not None:
                    self.ledger.skip("credentials", redacted, "the link carries credentials; they are never sent")
                continue
            if not self.scope.allows(url_host(url)):
                self.ledger.skip("scope", url, f"outside scope {self.scope.kind} of the seeds")
                continue
            yield scrapy.Request(url, callback=self.parse)

    def _document(self, response: Response, text: str, extractor: str) -> dict[str, Any]:
        request = response.request
        assert request is not None
        redirects = response.meta.get("redirect_urls")
        host = urlsplit(response.url).hostname or ""
        body = response.body
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
            "charset": getattr(response, "encoding", None),
            "headers": header_list(response.headers),
            "body": body,
            "digest": sha1_digest(body),
            "text": text,
            "extractor": extractor,
        }


def _header(response: Response, name: bytes) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value is not None else None
