"""The crawl's Parquet writers: one per dataset (documents, audit), sized
by the dataset's settings, and what happens when one cannot write."""

from __future__ import annotations

import atexit
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa
from scrapy.utils.defer import deferred_from_coro

from crawler.datasets import older_shards
from crawler.errors import ConfigError
from crawler.shards import Dataset, ShardLock, ShardWriteError, ShardWriter, writable_directory
from crawler.workers import shard_prefix, worker_frontier

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

SHARD_WRITE_ERROR = "shard-write-error"


def stop_crawl(crawler: Crawler, error: ShardWriteError) -> None:
    """Stop the crawl once shards cannot be written; the crawl command
    reports the error and exits non-zero."""
    if getattr(crawler, "shard_write_error", None) is None:
        crawler.shard_write_error = str(error)  # type: ignore[attr-defined]
        logger.error("Stopping the crawl: %s", error)
        deferred_from_coro(crawler.engine.close_spider_async(reason=SHARD_WRITE_ERROR))


def _warn_about_older_shards(directory: Path) -> None:
    """Readers take one schema for a folder (the first file's, or an error):
    shards of an older version beside the new ones must be upgraded."""
    try:
        older = older_shards(directory)
    except ConfigError as error:
        logger.warning("Dataset folder: %s", error)
        return
    if older:
        logger.warning(
            "Older shards: %d shards in %s have an older schema than this version writes: run "
            "`scrapy upgrade %s` so that every reader sees one schema", len(older), directory, directory,
        )


def shard_writer(crawler: Crawler, dataset: Dataset, prefix: str, **hooks: Any) -> ShardWriter:
    """The crawl's writer for a dataset, sized by the `<prefix>_*` settings
    and compressed as PARQUET_COMPRESSION says; the crawl's shards in the
    folder are locked against a second process writing the same crawl (the
    same worker, with a shared frontier). A worker registers in the shared
    frontier first, so that a shard its previous run had committed is
    published before the writer clears that run's staging files."""
    settings = crawler.settings
    worker_frontier(crawler)
    codec = settings.get("PARQUET_COMPRESSION")
    level = settings.getint("PARQUET_COMPRESSION_LEVEL")
    if codec.lower() in ("none", "uncompressed") or not pa.Codec.supports_compression_level(codec):
        level = None
    directory = writable_directory(f"{prefix}_DIR", settings.get(f"{prefix}_DIR"))
    _warn_about_older_shards(directory)
    atexit.register(ShardLock(directory, shard_prefix(crawler)).release)  # held while the process runs
    return ShardWriter(
        directory,
        shard_prefix(crawler),
        dataset.schema,
        schema_version=dataset.schema_version,
        row_bytes=dataset.row_bytes,
        row_group_bytes=settings.getint(f"{prefix}_ROW_GROUP_BYTES"),
        file_bytes=settings.getint(f"{prefix}_FILE_BYTES"),
        max_age=settings.getfloat(f"{prefix}_FILE_SECONDS"),
        compression=codec,
        compression_level=level,
        dictionary_columns=dataset.dictionary_columns,
        metadata={"dataset": dataset.name, **dataset.metadata},
        **hooks,
    )


