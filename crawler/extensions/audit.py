"""The audit trail: every request sent, every URL not fetched, not stored or
not followed and why, every policy-file fetch, every host pause, resume and
give-up. Written as Parquet beside the documents (its own dataset and fixed
schema, with the same atomic shard rules), so `scrapy audit` and DuckDB can
answer what the crawler did on a site; skipped URLs are also logged, one INFO
line each, in the one vocabulary of `crawler.reasons`."""

from __future__ import annotations

import logging
import time
from collections import Counter
from functools import cached_property
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from scrapy import signals
from scrapy.exceptions import IgnoreRequest

from crawler.extensions import enabled
from crawler.hooks import request_sent, shard_publishing
from crawler.job import crawl_id
from crawler.pseudonyms import key_path, privacy_key, pseudonym
from crawler.reasons import escape, skip_message
from crawler.responses import valid_status
from crawler.shards import AUDIT, ShardWriteError
from crawler.urls import Recent, registered_domain
from crawler.values import RowRejected
from crawler.writers import shard_writer, stop_crawl

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response

logger = logging.getLogger("crawler.skips")


class Skipped(IgnoreRequest):
    """A request dropped by a component that has already recorded why."""


class Audit:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.stats = crawler.stats
        self.crawl_id = crawl_id(crawler)
        self.writer = shard_writer(crawler, AUDIT, "AUDIT")
        self._recorded = Recent(100_000)
        self.hosts: dict[str, Counter[str]] = {}
        crawler.signals.connect(self._request_sent, request_sent)
        crawler.signals.connect(self._close, signals.spider_closed)
        # a published document always has its audit rows published before it
        crawler.signals.connect(self._close, shard_publishing)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Audit:
        return cls(crawler)

    def record(self, event: str, host: str, url: str | None = None, **fields: Any) -> None:
        """One row of the audit dataset, now."""
        try:
            self._write(event, host, url, fields)
        except RowRejected as error:
            self.stats.inc_value("audit/rejected")
            logger.error("Audit row rejected (error) %s: %s", escape(url or host), error)
        except ShardWriteError as error:
            stop_crawl(self.crawler, error)
        self.hosts.setdefault(host, Counter())[event] += 1

    def _write(self, event: str, host: str, url: str | None, fields: dict[str, Any]) -> None:
        self.writer.write({
            "crawl_id": self.crawl_id,
            "time": fields.pop("at", None) or time.time_ns() // 1000,
            "event": event,
            "host": host,
            "registered_domain": registered_domain(host) if host else "",
            "url": url,
            **fields,
        })

    def skip(self, reason: str, url: str, detail: str = "") -> None:
        """Record that `url` was skipped for `reason`; repeated calls for the
        same URL and reason are recorded once (within a bounded memory of
        recent skips). A URL erased on request (`forgotten`) is logged, but
        recorded by its keyed pseudonym: the audit never holds it in clear again."""
        key = hash((reason, url))
        if key in self._recorded:
            return
        self._recorded.add(key)
        logger.info(skip_message(reason, url, detail))
        self.stats.inc_value(f"skipped/{reason}")
        recorded = pseudonym(self._privacy_key, url) if reason == "forgotten" else url
        self.record("skip", urlsplit(url).hostname or "", recorded, reason=reason, detail=detail or None)

    @cached_property
    def _privacy_key(self) -> bytes:
        return privacy_key(key_path(self.crawler.settings))

    def _request_sent(
        self, request: Request, response: Response | None, error: Exception | None, sent_at: float,
        gap: float | None, **kwargs: Any,
    ) -> None:
        self.stats.inc_value("audit/requests")
        self.record(
            "request",
            urlsplit(request.url).hostname or "",
            request.url,
            at=int(sent_at * 1_000_000),
            reason=None if error is None else "error",
            detail=None if error is None else f"{type(error).__name__}: {error}",
            status=response.status if response is not None and valid_status(response.status) else None,
            bytes=len(response.body) if response is not None else None,
            latency=request.meta.get("download_latency"),
            gap=gap,
        )

    def stored(self, item: dict[str, Any]) -> None:
        """Record a document as stored; called before it is written, so its
        row is published no later than the document."""
        self.record("stored", item["host"], item["url"], digest=item["digest"], status=item["status"])

    def _close(self, **kwargs: Any) -> None:
        """Publish every row so far; a failure stops the crawl, as in `record`."""
        try:
            self.writer.close()
        except ShardWriteError as error:
            stop_crawl(self.crawler, error)


def audit(crawler: Crawler) -> Audit:
    """The crawl's Audit extension."""
    return enabled(crawler, Audit)
