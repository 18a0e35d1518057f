"""Stores document items in the Parquet shards of `PARQUET_DIR`."""

from __future__ import annotations

import logging
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scrapy.exceptions import DropItem

from crawler.errors import WorkerFenced
from crawler.extensions.audit import Audit, audit
from crawler.hooks import page_stored, shard_published, shard_publishing
from crawler.shards import DOCUMENTS, ShardInfo, ShardKept, ShardWriteError
from crawler.urls import url_fingerprint
from crawler.values import RowRejected
from crawler.workers import stop_worker, worker_frontier
from crawler.writers import shard_writer, stop_crawl

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)


class ParquetPipeline:
    """Writes every document item to the crawl's shards; publishes a shard
    when it is full, old enough, or the crawl closes. Around each publish it
    tells the rest of the crawl (`crawler.hooks`), so that what a published
    document depends on is durable first and its URL is done after. With a
    shared frontier, a shard's documents are committed there once the file
    is whole and before it is renamed into place: a worker presumed dead,
    whose URLs were handed to others, publishes nothing more, and one that
    cannot reach Redis leaves the shard staged, for its next run to publish
    if the commit went through or to drop if not."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self._fingerprints: list[int] = []
        self.shared = worker_frontier(crawler)
        self.writer = shard_writer(
            crawler, DOCUMENTS, "PARQUET", before_publish=self._publishing,
            before_rename=self._committing if self.shared is not None else None, after_publish=self._published,
        )

    @cached_property
    def audit(self) -> Audit:
        return audit(self.crawler)

    def _publishing(self) -> None:
        self.crawler.signals.send_catch_log(shard_publishing)

    def _committing(self, staging: Path, final: Path) -> None:
        from redis import RedisError  # redis-py only where it is used

        assert self.shared is not None
        try:
            self.shared.commit(final.name, staging, final, self._fingerprints)
        except WorkerFenced as error:
            stop_worker(self.crawler, error)
            raise ShardWriteError(
                f"worker {self.shared.worker} was presumed dead (no heartbeat for FRONTIER_WORKER_TIMEOUT): "
                "other workers are fetching its unpublished documents again, so it publishes none"
            ) from None
        except RedisError as error:
            stop_worker(self.crawler, error)
            raise ShardKept(
                f"the shared frontier cannot be reached to commit {final.name} ({error}): it stays staged, and "
                "the worker's next run publishes it if the commit went through, else fetches its documents again"
            ) from None

    def _published(self, shard: ShardInfo) -> None:
        if self.shared is not None:
            # only with a shared frontier: a single process never imports redis-py
            from redis import RedisError

            try:
                self.shared.confirm(shard.file)
            except RedisError as error:  # the shard is published: a later reap of this worker finds it so
                stop_worker(self.crawler, error)
        fingerprints, self._fingerprints = self._fingerprints, []
        self.crawler.signals.send_catch_log(shard_published, fingerprints=fingerprints)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ParquetPipeline:
        return cls(crawler)

    def process_item(self, item: dict[str, Any]) -> dict[str, Any]:
        try:
            row = self.writer.prepare(item)
        except RowRejected as error:
            self.crawler.stats.inc_value("documents/rejected")
            self.audit.skip("error", item["url"], f"document row rejected: {error}")
            raise DropItem(f"document row rejected: {error}") from None
        fetched = url_fingerprint(row["url"])
        self._fingerprints += {fetched, url_fingerprint(row["requested_url"])}
        self.crawler.signals.send_catch_log(page_stored, fingerprint=fetched)
        self.audit.stored(row)
        try:
            self.writer.append(row)
        except ShardWriteError as error:
            stop_crawl(self.crawler, error)
            raise DropItem(str(error)) from None
        self.crawler.stats.inc_value("documents/stored")
        self.crawler.stats.set_value("documents/bytes", self.writer.bytes_published)
        return item

    def close_spider(self) -> None:
        try:
            self.writer.close()
        except ShardWriteError as error:
            stop_crawl(self.crawler, error)
            return
        self.crawler.stats.set_value("documents/bytes", self.writer.bytes_published)
        logger.info(
            "Shards published: %d documents in %d files (%d bytes) under %s",
            self.writer.rows_published,
            len(self.writer.shards),
            self.writer.bytes_published,
            self.writer.directory,
        )
