"""Stores document items in the Parquet shards of `PARQUET_DIR`."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from crawler.job import crawl_id
from crawler.shards import DOCUMENTS, Dataset, ShardWriter, writable_directory

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)


def shard_writer(crawler: Crawler, dataset: Dataset, prefix: str) -> ShardWriter:
    """The crawl's writer for a dataset, sized by the `<prefix>_*` settings
    and compressed as PARQUET_COMPRESSION says."""
    settings = crawler.settings
    return ShardWriter(
        writable_directory(f"{prefix}_DIR", settings.get(f"{prefix}_DIR")),
        crawl_id(crawler),
        dataset.schema,
        schema_version=dataset.schema_version,
        row_bytes=dataset.row_bytes,
        row_group_bytes=settings.getint(f"{prefix}_ROW_GROUP_BYTES"),
        file_bytes=settings.getint(f"{prefix}_FILE_BYTES"),
        max_age=settings.getfloat(f"{prefix}_FILE_SECONDS"),
        compression=settings.get("PARQUET_COMPRESSION"),
        compression_level=settings.getint("PARQUET_COMPRESSION_LEVEL"),
        dictionary_columns=dataset.dictionary_columns,
        metadata={"dataset": dataset.name, **dataset.metadata},
    )


class ParquetPipeline:
    """Writes every document item to the crawl's shards; publishes them when
    the crawl closes (or when a file is full)."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.writer = shard_writer(crawler, DOCUMENTS, "PARQUET")

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ParquetPipeline:
        return cls(crawler)

    def process_item(self, item: dict[str, Any]) -> dict[str, Any]:
        self.writer.write(item)
        self.crawler.stats.inc_value("documents/stored")
        self.crawler.stats.set_value("documents/bytes", self.writer.bytes_published)
        return item

    def close_spider(self) -> None:
        self.writer.close()
        self.crawler.stats.set_value("documents/bytes", self.writer.bytes_published)
        logger.info(
            "Shards published: %d documents in %d files (%d bytes) under %s",
            self.writer.rows_published,
            len(self.writer.shards),
            self.writer.bytes_published,
            self.writer.directory,
        )
