"""Stores document items in the Parquet shards of `PARQUET_DIR`."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from crawler.errors import ConfigError
from crawler.job import crawl_id
from crawler.shards import (
    DOCUMENT_DICTIONARY_COLUMNS,
    DOCUMENT_SCHEMA,
    DOCUMENT_SCHEMA_VERSION,
    ShardWriter,
    document_row_bytes,
)

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)


def writable_directory(setting: str, value: str) -> Path:
    """Create the folder a setting names and prove it writable, or raise a
    ConfigError that names the setting and the fix."""
    path = Path(value)
    probe = path / f".probe-{os.getpid()}"
    try:
        path.mkdir(parents=True, exist_ok=True)
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise ConfigError(
            f"{setting}={value!r} is not a writable folder ({exc.strerror or exc}): "
            f"set {setting} to a folder the crawler can write"
        ) from None
    return path


class ParquetPipeline:
    """Writes every document item to the crawl's shards; publishes them when
    the crawl closes (or when a file is full)."""

    def __init__(self, crawler: Crawler) -> None:
        settings = crawler.settings
        self.crawler = crawler
        self.directory = writable_directory("PARQUET_DIR", settings.get("PARQUET_DIR"))
        self.writer = ShardWriter(
            self.directory,
            crawl_id(crawler),
            DOCUMENT_SCHEMA,
            schema_version=DOCUMENT_SCHEMA_VERSION,
            row_bytes=document_row_bytes,
            row_group_bytes=settings.getint("PARQUET_ROW_GROUP_BYTES"),
            file_bytes=settings.getint("PARQUET_FILE_BYTES"),
            compression=settings.get("PARQUET_COMPRESSION"),
            compression_level=settings.getint("PARQUET_COMPRESSION_LEVEL"),
            dictionary_columns=DOCUMENT_DICTIONARY_COLUMNS,
            metadata={"dataset": "documents", "body": "decoded (content-coding removed)"},
        )

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ParquetPipeline:
        return cls(crawler)

    def process_item(self, item: dict[str, Any]) -> dict[str, Any]:
        self.writer.write(item)
        self.crawler.stats.inc_value("documents/stored")
        return item

    def close_spider(self) -> None:
        self.writer.close()
        logger.info(
            "Shards published: %d documents in %d files (%d bytes) under %s",
            self.writer.rows_published,
            len(self.writer.shards),
            self.writer.bytes_published,
            self.directory,
        )
