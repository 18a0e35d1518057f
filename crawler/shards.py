"""Parquet shards: one fixed schema per dataset, row groups bounded by bytes,
files rotated by size and published atomically.

A shard is written under `.staging/` with a name no reader's `*.parquet` glob
matches, then closed, fsynced and renamed into place, so a reader never sees a
half-written file, even after `kill -9`. Each publish rewrites the crawl's
manifest (`_manifests/<prefix>.json`) atomically. No Scrapy here: the item
pipelines feed it rows.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

import crawler

STAGING = ".staging"
MANIFESTS = "_manifests"
_HEADER = pa.struct([("name", pa.string()), ("value", pa.string())])

DOCUMENT_SCHEMA_VERSION = "1"
DOCUMENT_SCHEMA = pa.schema(
    [
        pa.field("id", pa.string(), nullable=False),
        pa.field("crawl_id", pa.string(), nullable=False),
        pa.field("url", pa.string(), nullable=False),
        pa.field("requested_url", pa.string(), nullable=False),
        pa.field("status", pa.int16(), nullable=False),
        pa.field("fetch_time", pa.timestamp("us", tz="UTC"), nullable=False),
        pa.field("host", pa.string(), nullable=False),
        pa.field("registered_domain", pa.string(), nullable=False),
        pa.field("depth", pa.int32(), nullable=False),
        pa.field("content_type", pa.string()),
        pa.field("charset", pa.string()),
        pa.field("headers", pa.list_(_HEADER), nullable=False),
        pa.field("body", pa.binary(), nullable=False),
        pa.field("digest", pa.string(), nullable=False),
        pa.field("text", pa.string(), nullable=False),
        pa.field("extractor", pa.string(), nullable=False),
        pa.field("purpose", pa.string(), nullable=False),
        pa.field("robots_directives", pa.list_(pa.string()), nullable=False),
        pa.field("tdm_reservation", pa.int8()),
        pa.field("tdm_policy", pa.string()),
        pa.field("tdm_source", pa.string()),
        pa.field("content_usage", pa.string()),
    ]
)

# Columns worth dictionary-encoding; bodies and texts are not (the attempt costs
# CPU and falls back to plain encoding anyway).
DOCUMENT_DICTIONARY_COLUMNS = [
    "crawl_id", "host", "registered_domain", "content_type", "charset", "extractor",
    "headers.list.element.name", "purpose", "robots_directives.list.element", "tdm_source",
]


def document_row_bytes(row: Mapping[str, Any]) -> int:
    """Rough in-memory size of a document row, for row-group bounds."""
    return len(row["body"]) + len(row["text"]) + 64 * len(row["headers"]) + 512


@dataclass(frozen=True)
class ShardInfo:
    """A published shard, as recorded in the manifest."""

    file: str
    rows: int
    bytes: int
    sha256: str
    published: str


class ShardWriter:
    """Writes rows of one schema to `<directory>/<prefix>-NNNNN.parquet` files.

    Holds at most one row group in memory: rows are buffered column by column
    until their estimated size reaches `row_group_bytes`, then written as one
    row group; a file is published once it reaches `file_bytes`.
    """

    def __init__(
        self,
        directory: Path,
        prefix: str,
        schema: pa.Schema,
        *,
        schema_version: str,
        row_bytes: Callable[[Mapping[str, Any]], int],
        row_group_bytes: int,
        file_bytes: int,
        compression: str = "zstd",
        compression_level: int | None = 3,
        dictionary_columns: list[str] | None = None,
        metadata: Mapping[str, str] | None = None,
    ) -> None:
        self.directory = Path(directory)
        self.prefix = prefix
        self._schema = schema.with_metadata(
            {
                "schema_version": schema_version,
                "crawler_version": crawler.__version__,
                **(metadata or {}),
            }
        )
        self._names = schema.names
        self._row_bytes = row_bytes
        self._row_group_bytes = row_group_bytes
        self._file_bytes = file_bytes
        self._compression = compression
        self._compression_level = compression_level
        self._dictionary = dictionary_columns if dictionary_columns is not None else True
        self._columns: dict[str, list[Any]] = {name: [] for name in self._names}
        self._buffered_rows = 0
        self._buffered_bytes = 0
        self._file_rows = 0
        self._writer: pq.ParquetWriter | None = None
        self._file: Any = None
        self._staging_path: Path | None = None
        self._manifest_path = self.directory / MANIFESTS / f"{prefix}.json"
        self.shards: list[ShardInfo] = self._load_manifest()
        (self.directory / STAGING).mkdir(parents=True, exist_ok=True)
        self._manifest_path.parent.mkdir(parents=True, exist_ok=True)

    @property
    def rows_published(self) -> int:
        return sum(s.rows for s in self.shards)

    @property
    def bytes_published(self) -> int:
        return sum(s.bytes for s in self.shards)

    def write(self, row: Mapping[str, Any]) -> None:
        for name in self._names:
            self._columns[name].append(row.get(name))
        self._buffered_rows += 1
        self._buffered_bytes += self._row_bytes(row)
        if self._buffered_bytes >= self._row_group_bytes:
            self.flush()

    def flush(self) -> None:
        """Write the buffered rows as one row group; publish the file if full."""
        if not self._buffered_rows:
            return
        batch = pa.RecordBatch.from_pydict(self._columns, schema=self._schema)
        if self._writer is None:
            self._open()
        assert self._writer is not None
        self._writer.write_batch(batch)
        self._file_rows += self._buffered_rows
        self._columns = {name: [] for name in self._names}
        self._buffered_rows = 0
        self._buffered_bytes = 0
        if self._file.tell() >= self._file_bytes:
            self._publish()

    def close(self) -> None:
        """Flush and publish everything written so far."""
        self.flush()
        if self._writer is not None:
            self._publish()

    def abort(self) -> None:
        """Drop the unpublished file and buffered rows; published shards stay."""
        self._columns = {name: [] for name in self._names}
        self._buffered_rows = self._buffered_bytes = 0
        for closable in (self._writer, self._file):
            if closable is not None:
                try:
                    closable.close()
                except (OSError, ValueError, pa.ArrowException):
                    pass
        if self._staging_path is not None:
            self._staging_path.unlink(missing_ok=True)
        self._writer = self._file = self._staging_path = None

    def _next_name(self) -> str:
        return f"{self.prefix}-{len(self.shards):05d}.parquet"

    def _open(self) -> None:
        self._staging_path = self.directory / STAGING / (self._next_name() + ".inprogress")
        self._file = open(self._staging_path, "wb")  # noqa: SIM115 - closed in _publish
        self._writer = pq.ParquetWriter(
            self._file,
            self._schema,
            compression=self._compression,
            compression_level=self._compression_level,
            use_dictionary=self._dictionary,
        )
        self._file_rows = 0

    def _publish(self) -> None:
        assert self._writer is not None and self._staging_path is not None
        self._writer.close()
        self._file.flush()
        os.fsync(self._file.fileno())
        self._file.close()
        name = self._next_name()
        final = self.directory / name
        with open(self._staging_path, "rb") as f:
            digest = hashlib.file_digest(f, "sha256").hexdigest()
        size = self._staging_path.stat().st_size
        os.replace(self._staging_path, final)
        _fsync_dir(self.directory)
        self.shards.append(
            ShardInfo(
                file=name,
                rows=self._file_rows,
                bytes=size,
                sha256=digest,
                published=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            )
        )
        self._writer = self._file = self._staging_path = None
        self._file_rows = 0
        self._save_manifest()

    def _load_manifest(self) -> list[ShardInfo]:
        try:
            data = json.loads(self._manifest_path.read_text())
        except FileNotFoundError:
            return []
        return [ShardInfo(**s) for s in data["shards"]]

    def _save_manifest(self) -> None:
        data = {
            "prefix": self.prefix,
            "schema_version": self._schema.metadata[b"schema_version"].decode(),
            "crawler_version": crawler.__version__,
            "rows": self.rows_published,
            "bytes": self.bytes_published,
            "shards": [asdict(s) for s in self.shards],
        }
        write_atomically(self._manifest_path, json.dumps(data, indent=1).encode())


def write_atomically(path: Path, data: bytes) -> None:
    """Replace `path` with `data` so that readers see the old or the new file,
    never a mix."""
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    _fsync_dir(path.parent)


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
